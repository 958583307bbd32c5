// Package helpdesk holds what Sift's help desk connectors share: reading a
// desk's export files (JSON documents, API pages saved one after another,
// JSON Lines or CSV) into records, turning HTML bodies into Markdown, and
// keeping every source field a document does not model in its Extra, so
// that an import written back out loses nothing.
//
// One subpackage per help desk (zendesk, servicenow, jira, freshdesk) maps
// that desk's records to Sift's articles and tickets; the README has the
// field mapping of each. Each one's tests generate an export of at least
// 500 articles and 2,000 tickets from the public schema and check that
// every record is read and every field survives the round trip.
package helpdesk
