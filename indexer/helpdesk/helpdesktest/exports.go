package helpdesktest

import (
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/models"
)

// Time layouts of the desks, as their packages define them (this package
// imports none of them).
const (
	serviceNowTime = "2006-01-02 15:04:05"
	jiraTime       = "2006-01-02T15:04:05.000-0700"
)

// Zendesk writes a Zendesk export of n articles and m tickets made from
// the demo corpus: one Help Center page with sections, categories and
// user segments, and incremental ticket export pages of 1,000 tickets
// with users, groups and organisations side-loaded. It returns the
// files and the source records by id.
func Zendesk(t testing.TB, n, m int) ([]string, map[string]any) {
	arts, ticks := Corpus(t, n, m)
	dir := t.TempDir()
	src := map[string]any{}
	ids := map[string]int{}
	id := func(kind, name string) int {
		if name == "" {
			return 0
		}
		key := kind + "\x00" + name
		if ids[key] == 0 {
			ids[key] = 1000 + len(ids)
		}
		return ids[key]
	}
	var articles, sections, categories, segments []map[string]any
	for i, a := range arts {
		r := map[string]any{
			"id": 360000000000 + i, "url": fmt.Sprintf("https://example.zendesk.com/api/v2/help_center/en-us/articles/%d.json", 360000000000+i),
			"html_url": "https://example.zendesk.com/hc/en-us/articles/" + a.ID, "author_id": 3465, "comments_disabled": i%7 == 0,
			"draft": false, "promoted": i%11 == 0, "position": i % 5, "vote_sum": i % 13, "vote_count": i % 17,
			"section_id": id("section", a.Category), "created_at": a.UpdatedAt.AddDate(0, -1, 0).Format(time.RFC3339),
			"updated_at": a.UpdatedAt.Format(time.RFC3339), "edited_at": a.UpdatedAt.Format(time.RFC3339),
			"name": a.Title, "title": a.Title, "source_locale": "en-us", "locale": "en-us", "outdated": i%19 == 0,
			"outdated_locales": []string{}, "permission_group_id": 123, "user_segment_id": nil, "content_tag_ids": []string{},
			"label_names": a.Tags, "body": "<h2>" + html.EscapeString(a.Title) + "</h2><p>" + html.EscapeString(a.Body) + "</p><script>x()</script>",
		}
		if a.Visibility == models.VisibilityInternal {
			r["user_segment_id"] = 7001
		}
		articles = append(articles, r)
		src[fmt.Sprint(r["id"])] = r
	}
	for key, n := range ids {
		kind, name, _ := strings.Cut(key, "\x00")
		if kind == "section" {
			sections = append(sections, map[string]any{"id": n, "name": name, "category_id": 3465, "locale": "en-us"})
		}
	}
	categories = append(categories, map[string]any{"id": 3465, "name": "Brightloom", "locale": "en-us"})
	segments = append(segments, map[string]any{"id": 7001, "name": "Staff", "user_type": "staff", "tags": []string{}})
	files := []string{Write(t, dir, "articles.json", map[string]any{
		"articles": articles, "sections": sections, "categories": categories, "user_segments": segments,
		"page": 1, "per_page": len(articles), "count": len(articles), "next_page": nil,
	})}

	zdPriority := map[models.Priority]string{models.PriorityCritical: "urgent", models.PriorityHigh: "high", models.PriorityMedium: "normal", models.PriorityLow: "low"}
	zdStatus := map[string]string{"resolved": "solved", "closed": "closed", "open": "open", "pending": "pending", "new": "new"}
	for page := 0; page*1000 < len(ticks); page++ {
		var tickets, users, groups, orgs []map[string]any
		for i := page * 1000; i < min(len(ticks), (page+1)*1000); i++ {
			tk := ticks[i]
			status := zdStatus[tk.Status]
			if status == "" {
				status = "open"
			}
			r := map[string]any{
				"url": fmt.Sprintf("https://example.zendesk.com/api/v2/tickets/%d.json", 100000+i), "id": 100000 + i,
				"external_id": tk.ID, "via": map[string]any{"channel": "web", "source": map[string]any{"from": map[string]any{}, "to": map[string]any{}, "rel": nil}},
				"created_at": tk.CreatedAt.Format(time.RFC3339), "updated_at": tk.CreatedAt.Add(time.Hour).Format(time.RFC3339),
				"type": "question", "subject": tk.Subject, "raw_subject": tk.Subject, "description": tk.Body,
				"priority": zdPriority[tk.Priority], "status": status, "recipient": "support@brightloom.example",
				"requester_id": id("user", tk.Requester), "submitter_id": id("user", tk.Requester), "assignee_id": 235323,
				"organization_id": id("org", tk.Org), "group_id": id("group", tk.Group), "collaborator_ids": []int{},
				"follower_ids": []int{}, "has_incidents": false, "is_public": true, "due_at": nil,
				"tags": []string{tk.Category, tk.Department}, "custom_fields": []map[string]any{{"id": 27642, "value": tk.Category}},
				"satisfaction_rating": nil, "sharing_agreement_ids": []int{}, "brand_id": 1, "ticket_form_id": 9,
			}
			if tk.Org == "" {
				r["organization_id"] = nil
			}
			tickets = append(tickets, r)
			src[fmt.Sprint(r["id"])] = r
			users = append(users, map[string]any{"id": id("user", tk.Requester), "email": tk.Requester, "role": "end-user"})
			groups = append(groups, map[string]any{"id": id("group", tk.Group), "name": tk.Group})
			if tk.Org != "" {
				orgs = append(orgs, map[string]any{"id": id("org", tk.Org), "name": tk.Org})
			}
		}
		files = append(files, Write(t, dir, fmt.Sprintf("tickets-%d.json", page), map[string]any{
			"tickets": tickets, "users": users, "groups": groups, "organizations": orgs,
			"after_cursor": fmt.Sprintf("c%d", page), "end_of_stream": (page+1)*1000 >= len(ticks),
		}))
	}
	return files, src
}

// ServiceNow writes a Table API export of n kb_knowledge and m incident
// records (with sysparm_display_value=all) made from the demo corpus, in
// pages of 1,000, and returns the files and the source records by id.
func ServiceNow(t testing.TB, n, m int) ([]string, map[string]any) {
	arts, ticks := Corpus(t, n, m)
	dir := t.TempDir()
	src := map[string]any{}
	field := func(value, display string) map[string]any {
		return map[string]any{"value": value, "display_value": display}
	}
	ref := func(table, name string) map[string]any {
		if name == "" {
			return map[string]any{"value": "", "display_value": ""}
		}
		sysID := fmt.Sprintf("%032x", len(name)*7919+int(name[0]))
		return map[string]any{"value": sysID, "display_value": name, "link": "https://instance.service-now.com/api/now/table/" + table + "/" + sysID}
	}
	var files []string
	var page []map[string]any
	flush := func(name string) {
		files = append(files, Write(t, dir, fmt.Sprintf("%s-%d.json", name, len(files)), map[string]any{"result": page}))
		page = nil
	}
	for i, a := range arts {
		sysID := fmt.Sprintf("a%031x", i)
		state := "published"
		criteria := field("", "")
		if a.Visibility == models.VisibilityInternal {
			criteria = field("0c441abbc6112275000025157c651c89", "Employees")
		}
		r := map[string]any{
			"sys_id": sysID, "number": fmt.Sprintf("KB%07d", i+1), "short_description": a.Title,
			"text":              field("<p>"+html.EscapeString(a.Body)+"</p>", "<p>"+html.EscapeString(a.Body)+"</p>"),
			"kb_knowledge_base": ref("kb_knowledge_base", "IT"), "kb_category": ref("kb_category", a.Category),
			"workflow_state": field(state, "Published"), "can_read_user_criteria": criteria,
			"meta": field(strings.Join(a.Tags, ","), strings.Join(a.Tags, ",")), "sys_view_count": field(fmt.Sprint(i), fmt.Sprint(i)),
			"sys_updated_on": field(a.UpdatedAt.Format(serviceNowTime), a.UpdatedAt.Format("02/01/2006 15:04:05")),
			"sys_class_name": field("kb_knowledge", "Knowledge"), "author": ref("sys_user", "Ada Admin"),
			"valid_to": field("2100-01-01", "2100-01-01"), "article_type": field("html", "HTML"),
		}
		page = append(page, r)
		src[sysID] = r
		if len(page) == 1000 || i == len(arts)-1 {
			flush("kb_knowledge")
		}
	}
	prio := map[models.Priority]string{models.PriorityCritical: "1", models.PriorityHigh: "2", models.PriorityMedium: "3", models.PriorityLow: "4"}
	for i, tk := range ticks {
		sysID := fmt.Sprintf("b%031x", i)
		r := map[string]any{
			"sys_id": sysID, "number": fmt.Sprintf("INC%07d", i+1), "short_description": tk.Subject, "description": tk.Body,
			"category": tk.Category, "subcategory": tk.Department, "priority": field(prio[tk.Priority], prio[tk.Priority]+" - "+string(tk.Priority)),
			"impact": field("2", "2 - Medium"), "urgency": field("2", "2 - Medium"), "state": field("2", "In Progress"),
			"assignment_group": ref("sys_user_group", tk.Group), "caller_id": ref("sys_user", tk.Requester),
			"company": ref("core_company", tk.Org), "close_code": field("", ""), "close_notes": tk.Resolution,
			"opened_at":      field(tk.CreatedAt.Format(serviceNowTime), tk.CreatedAt.Format("02/01/2006 15:04:05")),
			"sys_updated_on": field(tk.CreatedAt.Format(serviceNowTime), ""), "sys_class_name": field("incident", "Incident"),
		}
		if !tk.ResolvedAt.IsZero() {
			r["state"] = field("6", "Resolved")
			r["resolved_at"] = field(tk.ResolvedAt.Format(serviceNowTime), tk.ResolvedAt.Format("02/01/2006 15:04:05"))
		}
		page = append(page, r)
		src[sysID] = r
		if len(page) == 1000 || i == len(ticks)-1 {
			flush("incident")
		}
	}
	return files, src
}

// Jira writes a Confluence export of n pages and Jira search pages of m
// issues, 1,000 a file, made from the demo corpus, and returns the files
// and the source records by id.
func Jira(t testing.TB, n, m int) ([]string, map[string]any) {
	arts, ticks := Corpus(t, n, m)
	dir := t.TempDir()
	src := map[string]any{}
	var pages []map[string]any
	for i, a := range arts {
		var labels []map[string]any
		for j, l := range a.Tags {
			labels = append(labels, map[string]any{"prefix": "global", "name": l, "id": fmt.Sprint(j)})
		}
		status := "current"
		if a.Visibility == models.VisibilityInternal {
			status = "draft"
		}
		r := map[string]any{
			"id": fmt.Sprint(70000 + i), "type": "page", "status": status, "title": a.Title,
			"space":     map[string]any{"id": 98306, "key": "KB", "name": "Brightloom", "type": "global"},
			"ancestors": []map[string]any{{"id": "1", "type": "page", "title": "Home"}, {"id": "2", "type": "page", "title": a.Category}},
			"version":   map[string]any{"when": a.UpdatedAt.Format("2006-01-02T15:04:05.000Z"), "number": 1 + i%5, "minorEdit": false},
			"metadata":  map[string]any{"labels": map[string]any{"results": labels, "start": 0, "limit": 200, "size": len(labels)}},
			"body":      map[string]any{"storage": map[string]any{"value": "<p>" + html.EscapeString(a.Body) + "</p>", "representation": "storage"}},
			"_links":    map[string]any{"webui": fmt.Sprintf("/spaces/KB/pages/%d", 70000+i)},
		}
		pages = append(pages, r)
		src[fmt.Sprint(r["id"])] = r
	}
	files := []string{Write(t, dir, "pages.json", map[string]any{"results": pages, "start": 0, "limit": len(pages), "size": len(pages)})}
	prio := map[models.Priority]string{models.PriorityCritical: "Highest", models.PriorityHigh: "High", models.PriorityMedium: "Medium", models.PriorityLow: "Low"}
	for p := 0; p*1000 < len(ticks); p++ {
		var issues []map[string]any
		for i := p * 1000; i < min(len(ticks), (p+1)*1000); i++ {
			tk := ticks[i]
			key := fmt.Sprintf("ITSM-%d", i+1)
			fields := map[string]any{
				"summary": tk.Subject, "description": tk.Body,
				"issuetype":         map[string]any{"id": "10004", "name": "Service Request"},
				"project":           map[string]any{"id": "10000", "key": "ITSM"},
				"priority":          map[string]any{"name": prio[tk.Priority]},
				"status":            map[string]any{"name": tk.Status},
				"components":        []map[string]any{{"id": "1", "name": tk.Group}},
				"labels":            []string{tk.Category},
				"reporter":          map[string]any{"accountId": "acc-" + tk.Requester, "emailAddress": tk.Requester},
				"created":           tk.CreatedAt.Format(jiraTime),
				"resolutiondate":    nil,
				"resolution":        nil,
				"customfield_10010": map[string]any{"requestType": map[string]any{"id": "12", "name": tk.Category}},
			}
			if tk.Org != "" {
				fields["customfield_10002"] = []map[string]any{{"id": "1", "name": tk.Org, "_links": map[string]any{"self": "x"}}}
			}
			if !tk.ResolvedAt.IsZero() {
				fields["resolutiondate"] = tk.ResolvedAt.Format(jiraTime)
				fields["resolution"] = map[string]any{"name": "Done"}
			}
			r := map[string]any{"id": fmt.Sprint(20000 + i), "key": key, "self": "https://example.atlassian.net/rest/api/2/issue/" + key, "fields": fields}
			issues = append(issues, r)
			src[key] = r
		}
		files = append(files, Write(t, dir, fmt.Sprintf("issues-%d.json", p), map[string]any{
			"startAt": p * 1000, "maxResults": 1000, "total": len(ticks), "issues": issues}))
	}
	return files, src
}

// Freshdesk writes a Freshdesk export of n articles and m tickets made from
// the demo corpus, as the list endpoints return them (bare arrays of 100,
// pages saved one after another), with folders, categories, companies
// and groups in files of their own. It returns the files and the source
// records by id.
func Freshdesk(t testing.TB, n, m int) ([]string, map[string]any) {
	arts, ticks := Corpus(t, n, m)
	dir := t.TempDir()
	src := map[string]any{}
	folderIDs, companyIDs, groupIDs := map[string]int{}, map[string]int{}, map[string]int{}
	idOf := func(ids map[string]int, name string) any {
		if name == "" {
			return nil
		}
		if ids[name] == 0 {
			ids[name] = 3000 + len(ids)
		}
		return ids[name]
	}
	pages := func(name string, records []map[string]any) string {
		var b []byte
		for i := 0; i < len(records); i += 100 {
			page, err := json.Marshal(records[i:min(len(records), i+100)])
			if err != nil {
				t.Fatal(err)
			}
			b = append(append(b, page...), '\n')
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	var articles, tickets []map[string]any
	for i, a := range arts {
		status := 2
		if a.Visibility == models.VisibilityInternal {
			status = 1
		}
		r := map[string]any{
			"id": 5000000 + i, "type": 1, "category_id": 1000001, "folder_id": idOf(folderIDs, a.Category), "title": a.Title,
			"description": "<p>" + html.EscapeString(a.Body) + "</p>", "description_text": a.Body, "status": status,
			"seo_data": map[string]any{"meta_title": a.Title}, "tags": a.Tags, "thumbs_up": i % 7, "thumbs_down": i % 3,
			"hits": 1 + i, "agent_id": 40000001, "created_at": a.UpdatedAt.AddDate(0, -1, 0).Format(time.RFC3339),
			"updated_at": a.UpdatedAt.Format(time.RFC3339),
		}
		articles = append(articles, r)
		src[fmt.Sprint(r["id"])] = r
	}
	prio := map[models.Priority]int{models.PriorityLow: 1, models.PriorityMedium: 2, models.PriorityHigh: 3, models.PriorityCritical: 4}
	for i, tk := range ticks {
		status := 2
		stats := map[string]any{"resolved_at": nil, "closed_at": nil}
		if !tk.ResolvedAt.IsZero() {
			status = 4
			stats["resolved_at"] = tk.ResolvedAt.Format(time.RFC3339)
		}
		r := map[string]any{
			"id": 20 + i, "subject": tk.Subject, "description": "<div>" + html.EscapeString(tk.Body) + "</div>", "description_text": tk.Body,
			"status": status, "priority": prio[tk.Priority], "source": 2, "type": tk.Category, "requester_id": 7000000 + i,
			"responder_id": nil, "company_id": idOf(companyIDs, tk.Org), "group_id": idOf(groupIDs, tk.Group), "product_id": nil,
			"cc_emails": []string{}, "fwd_emails": []string{}, "reply_cc_emails": []string{}, "fr_escalated": false, "spam": false,
			"is_escalated": false, "tags": []string{tk.Department}, "custom_fields": map[string]any{"cf_resolution": tk.Resolution},
			"due_by": tk.CreatedAt.Add(48 * time.Hour).Format(time.RFC3339), "fr_due_by": tk.CreatedAt.Add(4 * time.Hour).Format(time.RFC3339),
			"created_at": tk.CreatedAt.Format(time.RFC3339), "updated_at": tk.CreatedAt.Add(time.Hour).Format(time.RFC3339),
			"stats": stats, "requester": map[string]any{"id": 7000000 + i, "email": tk.Requester, "name": tk.Requester},
		}
		tickets = append(tickets, r)
		src[fmt.Sprint(r["id"])] = r
	}
	var folders, companies, groups []map[string]any
	for name, id := range folderIDs {
		folders = append(folders, map[string]any{"id": id, "name": name, "visibility": 1, "category_id": 1000001})
	}
	for name, id := range companyIDs {
		companies = append(companies, map[string]any{"id": id, "name": name, "domains": []string{}})
	}
	for name, id := range groupIDs {
		groups = append(groups, map[string]any{"id": id, "name": name, "agent_ids": []int{}})
	}
	categories := []map[string]any{{"id": 1000001, "name": "Brightloom", "visible_in_portals": []int{1}}}
	return []string{pages("categories.json", categories), pages("folders.json", folders), pages("companies.json", companies),
		pages("groups.json", groups), pages("articles.json", articles), pages("tickets.json", tickets)}, src
}
