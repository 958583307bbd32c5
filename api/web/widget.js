/*! Sift widget: type-ahead search and ticket deflection for a help portal.
 *
 * Served by Sift at /widget.js: one file, no build step, no dependencies.
 *
 *   <script src="https://SIFT/widget.js" defer></script>
 *   <div data-sift-search></div>
 *   <form data-sift-deflect> <input name="subject"> <textarea name="body"></textarea> ... </form>
 *   <script>window.addEventListener('DOMContentLoaded', () => Sift.init({url: 'https://SIFT', token: '...', portal: 'customer'}))</script>
 *
 * Sift.init(options) fills every [data-sift-search] element with a search box
 * (an ARIA 1.2 combobox; data-placeholder and data-label set its text) and
 * attaches a deflection panel to every form[data-sift-deflect]. Options:
 *   url           Sift's base URL; default: where this script was loaded from.
 *   token         the credential every request sends (Authorization: Bearer
 *                 <token>): a browser token minted by the portal's backend.
 *   getToken      an async function returning a token, used when token is
 *                 absent and called again after a 401 (once per failure), so
 *                 an expired token is replaced. Give token or getToken, or
 *                 init throws a TypeError.
 *   portal        'customer' or 'itsm'; default: the token's own portal.
 *   subjectField  the deflect form's subject field name; default 'subject'.
 *   bodyField     its body field name; default 'body'.
 *   debounceMs    a number, or {search, deflect}; default {search: 120,
 *                 deflect: 400}. Type-ahead asks at once when the previous
 *                 keystroke is older than this, else once typing pauses this
 *                 long; deflection asks once typing pauses this long.
 *   minChars      the shortest text it asks about; default 2.
 *   timing        true: record performance.measure entries (sift:keydown,
 *                 sift:input, sift:render, sift:form-input, sift:form-render).
 * Sift.destroy() removes its listeners and the elements it added, and sends
 * the events not sent yet: call it before init again in a single-page app.
 *
 * DOM events it fires (CustomEvent, bubbling):
 *   sift:suggestions  suggestions rendered: detail {query, count}.
 *   sift:search       Enter with no suggestion chosen, or a popular query
 *                     chosen: detail {query}; cancelable.
 *   sift:open         an article chosen: detail {id, title, source: 'search'
 *                     or 'deflect'}; cancelable: preventDefault() to show it
 *                     yourself, else the widget shows it with "Did this help?".
 *   sift:feedback     "Did this help?" answered: detail {id, helpful}.
 *
 * It reports to POST /v1/events by itself, in batches (at most one request a
 * second, fewer while the API fails, and what is left with keepalive when the
 * page is hidden), under one random session id per browser tab
 * (sessionStorage): suggestion_shown,
 * article_view, article_feedback, ticket_form_started, deflection_shown,
 * ticket_submitted (it never stops a submit) and ticket_abandoned (the page
 * left with the form started and not submitted). It does not pass session_id
 * to suggest or deflect: Sift would then record the same impressions again.
 *
 * Styles: one stylesheet, injected once (with this script's CSP nonce). Set
 * these custom properties anywhere above the widget (e.g. :root) to restyle:
 *   --sift-font (inherit)           --sift-text (#1f2430)
 *   --sift-muted (#5b6472)          --sift-bg (#fff)
 *   --sift-border (#b8bfcb)         --sift-accent (#2856c8)
 *   --sift-accent-text (#fff)       --sift-focus (#2856c8)
 *   --sift-active-bg (#e6edfc)      --sift-mark-bg (#fff0a6)
 *   --sift-mark-text (inherit)      --sift-panel-bg (#f5f7fb)
 *   --sift-radius (8px)             --sift-space (8px: the spacing unit)
 *   --sift-shadow (0 8px 24px rgba(20,30,50,.14))   --sift-z (1000)
 * Motion is off under prefers-reduced-motion.
 */
(() => {
  'use strict';
  if (window.Sift) return;

  const script = document.currentScript;
  const scriptBase = script && script.src ? new URL('.', script.src).href : location.origin;
  const STYLE_ID = 'sift-widget-style';
  const SESSION_KEY = 'sift-session';
  const EVENTS_EVERY = 1000; // ms between two posts of events, at least
  const EVENTS_BATCH = 100; // events in one post
  const EVENTS_KEPT = 500; // events kept while the events API cannot be reached
  const DEFLECT_LIMIT = 3;
  const WORD = /[\p{L}\p{N}]+/gu;
  let widgets = 0;
  let current = null;
  let memorySession = '';

  const CSS = `
.sift-root{font:var(--sift-font,inherit);color:var(--sift-text,#1f2430)}
.sift-root [hidden]{display:none!important}
.sift-combo{position:relative}
.sift-input{box-sizing:border-box;width:100%;font:inherit;color:inherit;padding:calc(var(--sift-space,8px)*1.25) calc(var(--sift-space,8px)*1.5);background:var(--sift-bg,#fff);border:1px solid var(--sift-border,#b8bfcb);border-radius:var(--sift-radius,8px)}
.sift-input:focus{outline:2px solid var(--sift-focus,#2856c8);outline-offset:1px}
.sift-listbox,.sift-nomatch{position:absolute;z-index:var(--sift-z,1000);left:0;right:0;top:calc(100% + 4px);box-sizing:border-box;margin:0;padding:calc(var(--sift-space,8px)/2);list-style:none;background:var(--sift-bg,#fff);border:1px solid var(--sift-border,#b8bfcb);border-radius:var(--sift-radius,8px);box-shadow:var(--sift-shadow,0 8px 24px rgba(20,30,50,.14));animation:sift-in .12s ease-out}
.sift-listbox{max-height:24em;overflow-y:auto}
.sift-option{padding:var(--sift-space,8px) calc(var(--sift-space,8px)*1.25);border-radius:calc(var(--sift-radius,8px) - 2px);cursor:pointer}
.sift-option:hover{background:var(--sift-panel-bg,#f5f7fb)}
.sift-option[aria-selected=true]{background:var(--sift-active-bg,#e6edfc);box-shadow:inset 3px 0 0 var(--sift-accent,#2856c8)}
.sift-root mark{background:var(--sift-mark-bg,#fff0a6);color:var(--sift-mark-text,inherit);border-radius:2px}
.sift-kind{margin-left:var(--sift-space,8px);font-size:.8em;color:var(--sift-muted,#5b6472)}
.sift-nomatch{padding:var(--sift-space,8px) calc(var(--sift-space,8px)*1.5);color:var(--sift-muted,#5b6472)}
.sift-sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip-path:inset(50%);white-space:nowrap;border:0}
.sift-link{font:inherit;color:var(--sift-accent,#2856c8);background:none;border:0;padding:0;text-align:left;text-decoration:underline;cursor:pointer}
.sift-button{font:inherit;color:var(--sift-accent,#2856c8);background:var(--sift-bg,#fff);border:1px solid var(--sift-accent,#2856c8);border-radius:var(--sift-radius,8px);padding:calc(var(--sift-space,8px)/2) calc(var(--sift-space,8px)*1.5);cursor:pointer}
.sift-button:hover{color:var(--sift-accent-text,#fff);background:var(--sift-accent,#2856c8)}
.sift-link:focus-visible,.sift-button:focus-visible,.sift-close:focus-visible{outline:2px solid var(--sift-focus,#2856c8);outline-offset:2px}
.sift-article,.sift-deflect{margin:calc(var(--sift-space,8px)*1.5) 0;padding:calc(var(--sift-space,8px)*1.5) calc(var(--sift-space,8px)*2);background:var(--sift-panel-bg,#f5f7fb);border:1px solid var(--sift-border,#b8bfcb);border-radius:var(--sift-radius,8px);animation:sift-in .12s ease-out}
.sift-deflect .sift-article{background:var(--sift-bg,#fff)}
.sift-article-title{margin:0 0 var(--sift-space,8px);padding-right:2em;font-size:1.15em}
.sift-article-title:focus{outline:none}
.sift-article-body{white-space:pre-line;line-height:1.5;max-height:24em;overflow-y:auto}
.sift-close{float:right;font:inherit;font-size:1.4em;line-height:1;color:var(--sift-muted,#5b6472);background:none;border:0;padding:0 .2em;cursor:pointer}
.sift-feedback{display:flex;flex-wrap:wrap;align-items:center;gap:var(--sift-space,8px);margin-top:calc(var(--sift-space,8px)*1.5);color:var(--sift-muted,#5b6472)}
.sift-deflect-title{margin:0 0 var(--sift-space,8px);font-weight:600}
.sift-deflect-list{margin:0;padding:0 0 0 1.2em}
.sift-notice{margin:0 0 var(--sift-space,8px);padding:var(--sift-space,8px) calc(var(--sift-space,8px)*1.5);background:var(--sift-panel-bg,#f5f7fb);border-left:4px solid var(--sift-accent,#2856c8);border-radius:var(--sift-radius,8px)}
.sift-notice strong{display:block}
.sift-answer{white-space:pre-line;line-height:1.5;margin:0 0 var(--sift-space,8px)}
.sift-source{font-size:.9em;color:var(--sift-muted,#5b6472)}
.sift-deflect-list li{margin:calc(var(--sift-space,8px)/2) 0}
@keyframes sift-in{from{opacity:0;transform:translateY(-4px)}}
@media (prefers-reduced-motion:reduce){.sift-listbox,.sift-nomatch,.sift-article,.sift-deflect{animation:none}}
`;

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }

  function randomHex(bytes) {
    let s = '';
    for (const b of crypto.getRandomValues(new Uint8Array(bytes))) s += b.toString(16).padStart(2, '0');
    return s;
  }

  // sessionID is this tab's analytics session, kept across its page loads.
  function sessionID() {
    try {
      let id = sessionStorage.getItem(SESSION_KEY);
      if (!id) sessionStorage.setItem(SESSION_KEY, (id = 'w-' + randomHex(16)));
      return id;
    } catch (e) { // storage refused (sandboxed frame, privacy mode)
      return memorySession || (memorySession = 'w-' + randomHex(16));
    }
  }

  function injectStyle() {
    if (document.getElementById(STYLE_ID)) return;
    const style = el('style', {id: STYLE_ID}, CSS);
    if (script && script.nonce) style.nonce = script.nonce;
    document.head.append(style);
  }

  // queryWords lists the words of a query, lower-cased, longest first.
  function queryWords(q) {
    return (q.toLowerCase().match(WORD) || []).filter(w => w.length > 1).sort((a, b) => b.length - a.length);
  }

  // appendMarked appends text to parent with the start of every word that
  // begins with a query word wrapped in <mark>. Text nodes only: never HTML.
  function appendMarked(parent, text, words) {
    const lower = text.toLowerCase();
    if (!words.length || lower.length !== text.length) {
      parent.append(text);
      return;
    }
    let done = 0;
    WORD.lastIndex = 0;
    for (let m; (m = WORD.exec(lower));) {
      const w = words.find(w => m[0].startsWith(w));
      if (!w) continue;
      if (m.index > done) parent.append(text.slice(done, m.index));
      parent.append(el('mark', null, text.slice(m.index, m.index + w.length)));
      done = m.index + w.length;
    }
    if (done < text.length) parent.append(text.slice(done));
  }

  // plainText turns an article's Markdown into readable plain text.
  function plainText(md) {
    return md.replace(/\r\n?/g, '\n')
      .replace(/^#{1,6}\s+/gm, '')
      .replace(/^(\s*)[-*+]\s+/gm, '$1• ')
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\*\*([^*\n]+)\*\*/g, '$1')
      .replace(/`([^`\n]+)`/g, '$1')
      .replace(/(^|[^\w*])\*([^*\n]+)\*(?![\w*])/g, '$1$2');
  }

  const number = (v, d) => (typeof v === 'number' && v >= 0 ? v : d);

  function create(opt) {
    if (typeof opt.token !== 'string' && typeof opt.getToken !== 'function') {
      throw new TypeError('Sift.init: give token (a string) or getToken (an async function)');
    }
    const base = String(opt.url || scriptBase).replace(/\/+$/, '');
    const portal = opt.portal ? String(opt.portal) : '';
    const wait = opt.debounceMs !== null && typeof opt.debounceMs === 'object' ? opt.debounceMs : {search: opt.debounceMs, deflect: opt.debounceMs};
    const searchWait = number(wait.search, 120);
    const deflectWait = number(wait.deflect, 400);
    const minChars = number(opt.minChars, 2);
    const subjectField = opt.subjectField || 'subject';
    const bodyField = opt.bodyField || 'body';
    const prefix = 'sift' + ++widgets;
    const life = new AbortController();
    const on = (target, type, fn) => target.addEventListener(type, fn, {signal: life.signal});
    const added = []; // elements to remove on destroy
    const stops = []; // functions that stop timers and requests on destroy
    const session = sessionID();
    const eventPrefix = 'w-' + randomHex(8) + '-';
    let events = 0;
    const warned = new Set();
    const warnOnce = (what, ...args) => {
      if (!warned.has(what)) {
        warned.add(what);
        console.warn('Sift:', ...args);
      }
    };
    const timed = (name, fn) => (!opt.timing ? fn : (...args) => {
      const start = performance.now();
      try {
        return fn(...args);
      } finally {
        performance.measure(name, {start});
      }
    });
    const fire = (target, type, detail, cancelable) =>
      target.dispatchEvent(new CustomEvent(type, {bubbles: true, cancelable: !!cancelable, detail}));

    // Credentials: one token at a time; a 401 asks getToken for a new one,
    // which concurrent failures share.
    let tokenP = typeof opt.token === 'string' ? Promise.resolve(opt.token) : null;
    let tokenNow = typeof opt.token === 'string' ? opt.token : '';
    function token() {
      if (!tokenP) {
        const p = (tokenP = Promise.resolve().then(() => opt.getToken()).then(String));
        p.then(t => { if (tokenP === p) tokenNow = t; }, () => { if (tokenP === p) tokenP = null; });
      }
      return tokenP;
    }
    function send(method, path, body, signal, keepalive, tok) {
      const headers = {Authorization: 'Bearer ' + tok};
      if (body) headers['Content-Type'] = 'application/json';
      return fetch(base + path, {method, headers, body: body ? JSON.stringify(body) : undefined, signal, keepalive, credentials: 'omit'});
    }
    async function call(method, path, body, signal) {
      for (let retried = false; ; retried = true) {
        const p = token();
        const res = await send(method, path, body, signal, false, await p);
        if (res.status !== 401 || retried || typeof opt.getToken !== 'function') return res;
        if (tokenP === p) tokenP = null;
      }
    }
    const json = res => (res.ok ? res.json() : Promise.reject(new Error(res.url.replace(/\?.*/, '') + ' answered ' + res.status)));
    const failed = (what, err) => {
      if (err.name === 'AbortError') return;
      const hint = err instanceof TypeError ? ' (the network, or CORS: is this origin among the portal key\'s origins?)' : '';
      warnOnce(what, what + ' failed: ' + (err.message || err) + hint);
    };

    // Events: queued, posted at most once a second, and with keepalive when
    // the page is hidden.
    const queue = [];
    let flushTimer = 0;
    let lastPost = -Infinity;
    let posting = false;
    let backoff = EVENTS_EVERY; // doubles, up to a minute, while posts fail
    function track(type, fields) {
      const ev = Object.assign({id: eventPrefix + (++events).toString(36), type, session_id: session, time: new Date().toISOString()}, fields);
      if (portal) ev.portal = portal;
      queue.push(ev);
      if (queue.length > EVENTS_KEPT) queue.splice(0, queue.length - EVENTS_KEPT);
      schedule();
    }
    function schedule() {
      if (flushTimer || posting || !queue.length) return;
      flushTimer = setTimeout(() => {
        flushTimer = 0;
        post(false);
      }, Math.max(0, lastPost + backoff - performance.now()));
    }
    function requeue(batch) {
      queue.unshift(...batch);
      if (queue.length > EVENTS_KEPT) queue.length = EVENTS_KEPT;
      backoff = Math.min(backoff * 2, 60000);
    }
    function post(keepalive) {
      const batch = queue.splice(0, EVENTS_BATCH);
      lastPost = performance.now();
      if (!keepalive) posting = true;
      const body = {events: batch};
      const sent = keepalive && tokenNow ? send('POST', '/v1/events', body, undefined, true, tokenNow) : call('POST', '/v1/events', body);
      sent.then(res => {
        if (res.status === 429 || res.status >= 500) return requeue(batch);
        backoff = EVENTS_EVERY;
        return res.json().then(r => {
          if (!res.ok || (r.rejected && r.rejected.length)) warnOnce('events', 'the events API refused events:', res.status, JSON.stringify(r.rejected || r.detail));
        }, () => {});
      }).catch(() => requeue(batch)).finally(() => {
        if (!keepalive) posting = false;
        schedule();
      });
    }
    function flushNow() {
      clearTimeout(flushTimer);
      flushTimer = 0;
      while (queue.length) post(true);
    }

    // openArticle fires sift:open and, unless the page takes it, shows the
    // article with show.
    function openArticle(target, show, hit, source) {
      if (fire(target, 'sift:open', {id: hit.id, title: hit.title, source}, true)) show(hit);
      else track('article_view', {article_id: hit.id});
    }

    // articlePanel returns a function that shows an article, as text, in a
    // panel at the end of host, with "Did this help?".
    let panels = 0;
    function articlePanel(host) {
      const titleID = prefix + '-article' + ++panels;
      let panel = null;
      let ctl = null;
      let opener = null;
      stops.push(() => ctl && ctl.abort());
      return hit => {
        if (ctl) ctl.abort();
        const c = (ctl = new AbortController());
        if (!panel) {
          panel = el('section', {class: 'sift-article', 'aria-labelledby': titleID});
          host.append(panel);
          on(panel, 'click', e => {
            const b = e.target.closest('button');
            if (!b) return;
            if (b.dataset.helpful) {
              const helpful = b.dataset.helpful === 'yes';
              track('article_feedback', {article_id: panel.dataset.id, helpful});
              b.parentNode.replaceChildren(el('span', {role: 'status'}, helpful ? 'Thanks! Glad it helped.' : 'Thanks for telling us.'));
              fire(host, 'sift:feedback', {id: panel.dataset.id, helpful});
            } else if (b.classList.contains('sift-close')) {
              if (ctl) ctl.abort();
              panel.hidden = true;
              if (opener && opener.isConnected) opener.focus();
            }
          });
        }
        const title = el('h2', {id: titleID, class: 'sift-article-title', tabindex: '-1'}, hit.title);
        const body = el('div', {class: 'sift-article-body'}, 'Loading…');
        panel.dataset.id = hit.id;
        panel.replaceChildren(el('button', {type: 'button', class: 'sift-close', 'aria-label': 'Close article'}, '×'), title, body);
        panel.hidden = false;
        opener = document.activeElement;
        title.focus();
        const q = portal ? '?portal=' + encodeURIComponent(portal) : '';
        call('GET', '/v1/articles/' + encodeURIComponent(hit.id) + q, null, c.signal).then(json).then(a => {
          if (c !== ctl) return;
          title.textContent = a.title || hit.title;
          body.textContent = plainText(String(a.body || ''));
          const fb = el('div', {class: 'sift-feedback'});
          fb.append(el('span', null, 'Did this help?'),
            el('button', {type: 'button', class: 'sift-button', 'data-helpful': 'yes'}, 'Yes'),
            el('button', {type: 'button', class: 'sift-button', 'data-helpful': 'no'}, 'No'));
          panel.append(fb);
          track('article_view', {article_id: hit.id});
        }).catch(err => {
          if (err.name === 'AbortError') return;
          body.textContent = 'This article could not be loaded.';
          failed('article', err);
        });
      };
    }

    // showNotices fills box with the notices of known issues (open
    // incidents) an answer carries, and reports each the first time it is
    // shown; box is hidden when there are none.
    const noticed = new Set();
    function showNotices(box, issues) {
      const list = Array.isArray(issues) ? issues : [];
      const frag = document.createDocumentFragment();
      for (const k of list) {
        const div = el('div', {class: 'sift-notice', 'data-incident': k.id});
        div.append(el('strong', null, String(k.title)), String(k.message || ''));
        frag.append(div);
        if (!noticed.has(k.id)) {
          noticed.add(k.id);
          track('known_issue_shown', {incident_id: k.id});
        }
      }
      box.replaceChildren(frag);
      box.hidden = !list.length;
      return list.length;
    }

    function setupSearch(root, n) {
      const listID = prefix + '-list' + n;
      const wrap = el('div', {class: 'sift-root sift-search'});
      const combo = el('div', {class: 'sift-combo'});
      const label = root.dataset.label || 'Search help articles';
      const input = el('input', {
        type: 'text', class: 'sift-input', role: 'combobox', 'aria-expanded': 'false', 'aria-controls': listID,
        'aria-autocomplete': 'list', 'aria-label': label, placeholder: root.dataset.placeholder || label,
        autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', enterkeyhint: 'search',
      });
      const list = el('ul', {id: listID, class: 'sift-listbox', role: 'listbox', 'aria-label': 'Suggestions', hidden: ''});
      const status = el('div', {class: 'sift-status sift-sr', role: 'status', 'aria-live': 'polite'});
      combo.append(input, list, status);
      const notices = el('div', {class: 'sift-notices', role: 'status', 'aria-live': 'polite', hidden: ''});
      wrap.append(notices, combo);
      root.append(wrap);
      added.push(wrap);
      const show = articlePanel(wrap);

      let items = [];
      let active = -1;
      let shownFor = null; // the text the items are for
      let seq = 0;
      let inflight = null;
      let timer = 0;
      let lastKey = -Infinity;
      const cancel = () => {
        clearTimeout(timer);
        timer = 0;
        if (inflight) inflight.abort();
        inflight = null;
        seq++;
      };
      stops.push(cancel);

      function setActive(i) {
        if (active >= 0 && list.children[active]) list.children[active].removeAttribute('aria-selected');
        active = i;
        if (i < 0) {
          input.removeAttribute('aria-activedescendant');
          return;
        }
        const option = list.children[i];
        option.setAttribute('aria-selected', 'true');
        input.setAttribute('aria-activedescendant', option.id);
        option.scrollIntoView({block: 'nearest'});
      }
      function open() {
        if (!items.length) return;
        list.hidden = false;
        input.setAttribute('aria-expanded', 'true');
      }
      function close() {
        setActive(-1);
        list.hidden = true;
        input.setAttribute('aria-expanded', 'false');
        if (status.classList.contains('sift-nomatch')) {
          status.className = 'sift-status sift-sr';
          status.textContent = '';
        }
      }
      function clear() {
        cancel();
        close();
        items = [];
        shownFor = null;
        list.replaceChildren();
      }
      const isOpen = () => !list.hidden || status.classList.contains('sift-nomatch');

      function suggest(q) {
        if (inflight) inflight.abort();
        const c = (inflight = new AbortController());
        const mine = ++seq;
        const params = new URLSearchParams({q, limit: '8'});
        if (portal) params.set('portal', portal);
        call('GET', '/v1/suggest?' + params, null, c.signal).then(json).then(data => {
          if (mine === seq) render(q, data); // an older answer, late, is dropped
        }).catch(err => failed('suggest', err)).finally(() => {
          if (inflight === c) inflight = null;
        });
      }

      const render = timed('sift:render', (q, data) => {
        showNotices(notices, data.known_issues);
        items = Array.isArray(data.suggestions) ? data.suggestions : [];
        shownFor = q;
        setActive(-1);
        const focused = document.activeElement === input;
        if (!items.length) {
          list.hidden = true;
          list.replaceChildren();
          input.setAttribute('aria-expanded', 'false');
          status.className = 'sift-status ' + (focused ? 'sift-nomatch' : 'sift-sr');
          status.textContent = 'No matching articles';
          if (data.did_you_mean) {
            const fix = el('button', {type: 'button', class: 'sift-link'}, data.did_you_mean);
            status.append('. Did you mean ', fix, '?');
          }
        } else {
          const words = queryWords(q);
          const frag = document.createDocumentFragment();
          items.forEach((s, i) => {
            const option = el('li', {id: listID + '-' + i, class: 'sift-option', role: 'option'});
            appendMarked(option, String(s.title || s.text || ''), words);
            if (s.id) option.dataset.id = s.id;
            else option.append(el('span', {class: 'sift-kind'}, 'Search'));
            frag.append(option);
          });
          list.replaceChildren(frag);
          status.className = 'sift-status sift-sr';
          status.textContent = items.length + (items.length === 1 ? ' suggestion' : ' suggestions') + '. Use the up and down arrows to choose.';
          if (focused) {
            open();
            const ids = items.filter(s => s.id).map(s => s.id);
            if (ids.length) track('suggestion_shown', {query: q, article_ids: ids});
          }
        }
        fire(root, 'sift:suggestions', {query: q, count: items.length});
      });

      function search(q) {
        close();
        return fire(root, 'sift:search', {query: q}, true);
      }
      function choose(i) {
        const s = items[i];
        close();
        if (s.id) {
          openArticle(root, show, {id: s.id, title: String(s.title || s.text)}, 'search');
        } else {
          input.value = s.text;
          cancel();
          search(s.text);
        }
      }

      on(input, 'input', timed('sift:input', () => {
        const now = performance.now();
        const quiet = now - lastKey >= searchWait && !timer;
        lastKey = now;
        clearTimeout(timer);
        timer = 0;
        const q = input.value;
        if (q.trim().length < minChars) {
          clear();
        } else if (quiet) {
          suggest(q);
        } else {
          timer = setTimeout(() => {
            timer = 0;
            suggest(input.value);
          }, searchWait);
        }
      }));
      on(input, 'keydown', timed('sift:keydown', e => {
        if (e.isComposing) return;
        switch (e.key) {
          case 'ArrowDown':
          case 'ArrowUp': {
            if (!items.length) return;
            e.preventDefault();
            const n = items.length;
            const down = e.key === 'ArrowDown';
            if (list.hidden) open();
            setActive(down ? (active + 1) % n : active <= 0 ? n - 1 : active - 1);
            return;
          }
          case 'Enter': {
            if (!list.hidden && active >= 0) {
              e.preventDefault();
              choose(active);
              return;
            }
            const q = input.value.trim();
            if (q && !search(q)) e.preventDefault();
            return;
          }
          case 'Escape':
            if (isOpen()) {
              e.preventDefault();
              close();
            } else if (input.value) {
              e.preventDefault();
              input.value = '';
              clear();
            }
            return;
          case 'Tab':
            close();
        }
      }));
      on(input, 'blur', close);
      on(input, 'focus', () => {
        if (shownFor === input.value) open();
      });
      // A press inside the list must not take the focus from the box.
      on(list, 'mousedown', e => e.preventDefault());
      on(status, 'mousedown', e => e.preventDefault());
      on(list, 'click', e => {
        const option = e.target.closest('[role=option]');
        if (option) choose([...list.children].indexOf(option));
      });
      on(status, 'click', e => {
        const fix = e.target.closest('button');
        if (!fix) return;
        input.value = fix.textContent;
        close();
        suggest(input.value);
      });
    }

    function setupDeflect(form, n) {
      const state = {started: false, submitted: false, abandoned: false};
      const titleID = prefix + '-deflect' + n;
      const panel = el('section', {class: 'sift-root sift-deflect', 'aria-labelledby': titleID, hidden: ''});
      const list = el('ul', {class: 'sift-deflect-list'});
      const notices = el('div', {class: 'sift-notices', hidden: ''});
      const answer = el('div', {class: 'sift-answer-box', hidden: ''});
      const title = el('p', {id: titleID, class: 'sift-deflect-title'}, 'These articles may answer your question');
      panel.append(notices, answer, title, list);
      const status = el('div', {class: 'sift-root sift-sr', role: 'status', 'aria-live': 'polite'});
      const submit = form.querySelector('button[type=submit], input[type=submit], button:not([type])');
      if (submit) submit.before(panel, status);
      else form.append(panel, status);
      added.push(panel, status);
      const show = articlePanel(panel);

      let timer = 0;
      let ctl = null;
      let asked = '';
      let shown = '';
      stops.push(() => {
        clearTimeout(timer);
        if (ctl) ctl.abort();
      });
      const field = name => {
        const f = form.elements.namedItem(name);
        return f && typeof f.value === 'string' ? f.value : '';
      };
      function hide() {
        panel.hidden = true;
        list.replaceChildren();
        status.textContent = '';
        shown = '';
      }

      function deflect() {
        const subject = field(subjectField);
        const body = field(bodyField);
        const text = (subject + '\n' + body).trim();
        if (text === asked) return;
        asked = text;
        if (ctl) ctl.abort();
        if (text.length < minChars) {
          ctl = null;
          hide();
          return;
        }
        const c = (ctl = new AbortController());
        const req = {subject, body, limit: DEFLECT_LIMIT, answer: true};
        if (portal) req.portal = portal;
        call('POST', '/v1/deflect', req, c.signal).then(json).then(data => {
          if (c === ctl) render(data);
        }).catch(err => failed('deflect', err));
      }

      // showAnswer shows the answer a deflection carries, if any, with the
      // article it rests on, and reports it the first time.
      function showAnswer(a) {
        answer.replaceChildren();
        answer.hidden = !(a && a.answered && a.text);
        if (answer.hidden) return;
        const p = a.passages && a.passages[0];
        answer.append(el('p', {class: 'sift-deflect-title'}, 'Suggested answer'), el('div', {class: 'sift-answer'}, plainText(String(a.text))));
        if (p) answer.append(el('div', {class: 'sift-source'}, 'From: ' + String(p.title)));
        if (p) track('answer_shown', {article_ids: [p.article_id]});
      }

      const render = timed('sift:form-render', data => {
        const articles = data.matched && Array.isArray(data.articles) ? data.articles : [];
        const ids = articles.map(a => a.id);
        const issues = Array.isArray(data.known_issues) ? data.known_issues : [];
        const key = ids.concat(issues.map(k => 'incident:' + k.id), data.answer ? ['answer:' + data.answer.text] : []).join(' ');
        if (key === shown) return; // the same content: nothing new to show
        if (!articles.length && !issues.length && !data.answer) {
          hide();
          return;
        }
        shown = key;
        showNotices(notices, issues);
        showAnswer(data.answer);
        title.hidden = !articles.length;
        const frag = document.createDocumentFragment();
        for (const a of articles) {
          const li = el('li');
          li.append(el('button', {type: 'button', class: 'sift-link', 'data-id': a.id}, String(a.title)));
          frag.append(li);
        }
        list.replaceChildren(frag);
        panel.hidden = false;
        status.textContent = articles.length + (articles.length === 1 ? ' article' : ' articles') + ' may answer your question, before the submit button.';
        if (ids.length) track('deflection_shown', {article_ids: ids});
      });

      on(list, 'click', e => {
        const b = e.target.closest('button[data-id]');
        if (b) openArticle(form, show, {id: b.dataset.id, title: b.textContent}, 'deflect');
      });
      on(form, 'input', timed('sift:form-input', e => {
        if (!state.started) {
          state.started = true;
          track('ticket_form_started', {});
        }
        const name = e.target && e.target.name;
        if (name !== subjectField && name !== bodyField) return;
        clearTimeout(timer);
        timer = setTimeout(deflect, deflectWait);
      }));
      on(form, 'submit', () => {
        state.submitted = true;
        track('ticket_submitted', {});
      });
      return state;
    }

    injectStyle();
    document.querySelectorAll('[data-sift-search]').forEach(setupSearch);
    const forms = [...document.querySelectorAll('form[data-sift-deflect]')].map(setupDeflect);
    on(window, 'pagehide', () => {
      for (const f of forms) {
        if (f.started && !f.submitted && !f.abandoned) {
          f.abandoned = true;
          track('ticket_abandoned', {});
        }
      }
      flushNow();
    });
    on(document, 'visibilitychange', () => {
      if (document.visibilityState === 'hidden') flushNow();
    });

    return () => {
      life.abort();
      for (const stop of stops) stop();
      flushNow();
      for (const e of added) e.remove();
    };
  }

  window.Sift = Object.freeze({
    version: '1',
    init(options) {
      if (current) current();
      current = null;
      current = create(options || {});
    },
    destroy() {
      if (current) current();
      current = null;
    },
  });
})();
