/* dashboard.js — pqcha serve's dashboard: workloads, their states and the
 * timeline of state changes, polled from the verifier's own API.
 *
 * Every string the API returns (workload ids, region and tensor names,
 * error names) comes from reports anyone can send: it reaches the page only
 * as text (textContent, createTextNode, setAttribute), never as HTML.
 *
 * The bearer token comes from the URL fragment (#token=..., which browsers
 * never send to the server) or from the form, lives in this tab's session
 * storage, and goes out only in the Authorization header of API calls. */
(function () {
  "use strict";

  var REFRESH_MS = 5000;
  var EVENT_PAGE = 1000; /* the API's largest page */
  var EVENT_PAGES_PER_REFRESH = 10;
  var EVENTS_KEPT = 500;
  var LIST_SHOWN = 12; /* regions or tensors shown per event */
  var TOKEN_KEY = "pqcha.token";
  var STATES = ["trusted", "drifted", "rejected", "stale", "unknown"];
  /* Workloads that need a look first. */
  var STATE_ORDER = { rejected: 0, drifted: 1, stale: 2, unknown: 3, trusted: 4 };

  var memoryToken = null; /* when session storage is unavailable */
  var events = []; /* oldest first, at most EVENTS_KEPT */
  var lastSeq = 0;
  var filterWorkload = null;
  var timer = null;
  var waitingForToken = false;

  function $(id) {
    return document.getElementById(id);
  }

  /* el("td", {class: "x"}, child...): children are nodes or plain text. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        if (attrs[name] !== null && attrs[name] !== undefined)
          node.setAttribute(name, String(attrs[name]));
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function text(value) {
    return value === null || value === undefined ? "" : String(value);
  }

  /* ---- the token ---- */

  function getToken() {
    try {
      var stored = window.sessionStorage.getItem(TOKEN_KEY);
      if (stored) return stored;
    } catch (e) {
      /* storage disabled: fall through */
    }
    return memoryToken;
  }

  function setToken(token) {
    memoryToken = token || null;
    try {
      if (token) window.sessionStorage.setItem(TOKEN_KEY, token);
      else window.sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) {
      /* kept in memory only */
    }
    $("forget").hidden = !token;
  }

  /* #token=... : taken into session storage, then removed from the address
   * bar and the history so that it is not left on screen or bookmarked. */
  function takeTokenFromFragment() {
    var hash = window.location.hash;
    if (!hash || hash.length < 2) return;
    var params = new URLSearchParams(hash.slice(1));
    var token = params.get("token");
    if (token) setToken(token);
    try {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    } catch (e) {
      /* the fragment stays; harmless */
    }
  }

  /* ---- talking to the verifier ---- */

  function ApiError(kind, status, message) {
    this.kind = kind; /* "auth", "database", "http", "unreachable" */
    this.status = status;
    this.message = message;
  }

  function api(path) {
    var headers = { Accept: "application/json" };
    var token = getToken();
    if (token) headers.Authorization = "Bearer " + token;
    return fetch(path, { headers: headers, cache: "no-store", credentials: "omit" }).then(
      function (response) {
        if (response.ok) return response.json();
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (body) {
            var message = text(body && (body.message || body.error));
            if (response.status === 401) throw new ApiError("auth", 401, message);
            if (response.status === 503) throw new ApiError("database", 503, message);
            throw new ApiError("http", response.status, message);
          });
      },
      function (error) {
        throw new ApiError("unreachable", 0, text(error && error.message));
      }
    );
  }

  /* Events after the last one seen, a page at a time. */
  function fetchEvents(pagesLeft) {
    return api("v1/events?after=" + lastSeq + "&limit=" + EVENT_PAGE).then(function (body) {
      var fresh = Array.isArray(body.events) ? body.events : [];
      fresh.forEach(function (event) {
        if (typeof event.seq === "number" && event.seq > lastSeq) {
          events.push(event);
          lastSeq = event.seq;
        }
      });
      if (events.length > EVENTS_KEPT) events = events.slice(events.length - EVENTS_KEPT);
      if (fresh.length === EVENT_PAGE && pagesLeft > 1) return fetchEvents(pagesLeft - 1);
      return null;
    });
  }

  function refresh() {
    timer = null;
    var workloads;
    return api("v1/workloads")
      .then(function (body) {
        workloads = Array.isArray(body.workloads) ? body.workloads : [];
        return fetchEvents(EVENT_PAGES_PER_REFRESH);
      })
      .then(function () {
        showError(null);
        renderWorkloads(workloads);
        renderEvents();
        $("status").textContent = "Updated " + clock(new Date()) + " · every " + REFRESH_MS / 1000 + " s";
        schedule();
      })
      .catch(function (error) {
        if (!(error instanceof ApiError)) {
          error = new ApiError("http", 0, text(error && error.message));
        }
        if (error.kind === "auth") {
          askForToken(error);
          return;
        }
        showError(error);
        schedule();
      });
  }

  function schedule() {
    if (timer === null && !waitingForToken) timer = window.setTimeout(refresh, REFRESH_MS);
  }

  /* ---- errors and the token form ---- */

  function showError(error) {
    var banner = $("banner");
    $("content").setAttribute("data-stale", error ? "true" : "false");
    if (!error) {
      banner.hidden = true;
      banner.textContent = "";
      banner.removeAttribute("data-kind");
      return;
    }
    var message;
    if (error.kind === "unreachable")
      message = "Verifier unreachable: the last request failed. Retrying every " + REFRESH_MS / 1000 + " s.";
    else if (error.kind === "database")
      message = "Database unavailable: the verifier cannot use its database (HTTP 503). Retrying every " + REFRESH_MS / 1000 + " s.";
    else if (error.status)
      message = "The verifier answered HTTP " + error.status + (error.message ? ": " + error.message : "") + ".";
    else
      message = "The verifier's answer could not be read" + (error.message ? " (" + error.message + ")" : "") + ".";
    banner.setAttribute("data-kind", error.kind);
    banner.textContent = message + " What is shown may be out of date.";
    banner.hidden = false;
    $("status").textContent = "Last attempt " + clock(new Date());
  }

  function askForToken(error) {
    waitingForToken = true;
    var had = Boolean(getToken());
    setToken(null);
    $("auth-message").replaceChildren(
      had
        ? "The verifier refused this token (401 Unauthorized). Enter the bearer token from the file given to "
        : "This verifier requires a bearer token (401 Unauthorized). Enter the token from the file given to ",
      el("code", null, "pqcha serve --token-file"),
      "."
    );
    $("auth").hidden = false;
    $("content").hidden = true;
    $("banner").hidden = true;
    $("status").textContent = "Not connected";
    $("token-input").focus();
  }

  function onTokenSubmit(event) {
    event.preventDefault();
    var input = $("token-input");
    var token = input.value.trim();
    if (!token) return;
    input.value = "";
    setToken(token);
    reconnect();
  }

  function reconnect() {
    waitingForToken = false;
    $("auth").hidden = true;
    $("content").hidden = false;
    $("status").textContent = "Connecting…";
    refresh();
  }

  /* A #token=... pasted into the address bar of an open page. */
  function onHashChange() {
    if (window.location.hash.indexOf("token=") < 0) return;
    takeTokenFromFragment();
    if (waitingForToken && getToken()) reconnect();
  }

  function onForget() {
    setToken(null);
    if (timer !== null) window.clearTimeout(timer);
    timer = null;
    askForToken({ kind: "auth" });
    $("auth-message").replaceChildren("The token was removed from this tab. Enter it to connect again.");
  }

  /* ---- times ---- */

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function clock(date) {
    return pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds());
  }

  /* The API's "YYYY-MM-DDTHH:MM:SSZ" as "YYYY-MM-DD HH:MM:SS UTC". */
  function utc(iso) {
    var s = text(iso);
    return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(s) ? s.slice(0, 10) + " " + s.slice(11, 19) + " UTC" : s;
  }

  function isNever(iso) {
    return !iso || text(iso).indexOf("1970-01-01T00:00:00") === 0;
  }

  function ago(iso) {
    var then = Date.parse(text(iso));
    if (isNaN(then)) return text(iso);
    var s = Math.round((Date.now() - then) / 1000);
    if (s < 5) return "just now";
    if (s < 90) return s + " s ago";
    if (s < 90 * 60) return Math.round(s / 60) + " min ago";
    if (s < 36 * 3600) return Math.round(s / 3600) + " h ago";
    return Math.round(s / 86400) + " days ago";
  }

  function timeNode(iso, relative) {
    if (isNever(iso)) return el("span", { class: "muted" }, "never");
    return el("time", { datetime: text(iso), title: utc(iso), class: "when" }, relative ? ago(iso) : utc(iso));
  }

  /* ---- rendering ---- */

  function stateClass(state) {
    return STATES.indexOf(state) >= 0 ? "state-" + state : "state-other";
  }

  function badge(state, attrs) {
    var a = attrs || {};
    a.class = "badge " + stateClass(state);
    return el("span", a, text(state) || "?");
  }

  function verdictNode(verdict) {
    var v = text(verdict);
    if (!v) return el("span", { class: "muted" }, "—");
    return el("span", { class: "verdict v-" + v.replace(/[^a-z]/g, "") }, v);
  }

  function renderSummary(workloads) {
    var counts = { total: workloads.length };
    STATES.forEach(function (s) {
      counts[s] = 0;
    });
    workloads.forEach(function (w) {
      if (counts.hasOwnProperty(w.state) && w.state !== "total") counts[w.state]++;
    });
    Object.keys(counts).forEach(function (key) {
      var node = $("count-" + key);
      if (node) node.textContent = String(counts[key]);
    });
    ["drifted", "rejected"].forEach(function (s) {
      var card = document.querySelector('.card[data-summary="' + s + '"]');
      if (card) card.setAttribute("data-alert", counts[s] > 0 ? "true" : "false");
    });
  }

  function workloadRow(w) {
    var id = text(w.id);
    var last = w.lastReport || {};
    var row = el(
      "tr",
      {
        "data-workload": id,
        tabindex: "0",
        "aria-selected": filterWorkload === id ? "true" : "false",
        title: "Show this workload's events"
      },
      el("td", { class: "id" }, id),
      el("td", null, badge(text(w.state), { "data-state": text(w.state), title: "since " + utc(w.stateSince) })),
      el("td", { title: last.id ? "report " + text(last.id) : null }, verdictNode(last.verdict)),
      el("td", null, timeNode(w.lastSeen, true)),
      el("td", { class: "num" }, text(w.reportCount))
    );
    function choose() {
      setFilter(filterWorkload === id ? null : id);
    }
    row.addEventListener("click", choose);
    row.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        choose();
      }
    });
    return row;
  }

  var lastWorkloads = [];

  function renderWorkloads(workloads) {
    lastWorkloads = workloads.slice();
    lastWorkloads.sort(function (a, b) {
      var ra = STATE_ORDER.hasOwnProperty(a.state) ? STATE_ORDER[a.state] : 5;
      var rb = STATE_ORDER.hasOwnProperty(b.state) ? STATE_ORDER[b.state] : 5;
      if (ra !== rb) return ra - rb;
      return text(a.id) < text(b.id) ? -1 : text(a.id) > text(b.id) ? 1 : 0;
    });
    renderSummary(lastWorkloads);
    var body = $("workload-rows");
    var rows = lastWorkloads.map(workloadRow);
    body.replaceChildren.apply(body, rows);
    $("no-workloads").hidden = rows.length > 0;
  }

  function chips(names, kind) {
    var list = el("ul", { class: "chips" });
    names.slice(0, LIST_SHOWN).forEach(function (name) {
      list.appendChild(el("li", { class: kind }, text(name)));
    });
    if (names.length > LIST_SHOWN) list.appendChild(el("li", { class: "more" }, "+" + (names.length - LIST_SHOWN) + " more"));
    return list;
  }

  function eventItem(e) {
    var d = e.detail && typeof e.detail === "object" ? e.detail : {};
    var drift = Array.isArray(d.drift) ? d.drift : [];
    var tensors = Array.isArray(d.tensors) ? d.tensors : [];
    var item = el(
      "li",
      { class: "event", "data-seq": text(e.seq), "data-to": text(e.to), "data-event-workload": text(e.workload) },
      el(
        "div",
        { class: "event-head" },
        timeNode(e.at, false),
        el("span", { class: "event-workload" }, text(e.workload))
      ),
      el(
        "div",
        { class: "transition" },
        badge(text(e.from)),
        el("span", { class: "arrow", "aria-label": "to" }, "→"),
        badge(text(e.to))
      )
    );
    var detail = el("dl", { class: "detail" });
    if (d.verdict) detail.append(el("dt", null, "verdict"), el("dd", null, verdictNode(d.verdict)));
    if (d.error && d.error !== "OK") detail.append(el("dt", null, "error"), el("dd", { class: "mono" }, text(d.error)));
    if (drift.length) detail.append(el("dt", null, "regions"), el("dd", null, chips(drift, "region")));
    if (tensors.length) detail.append(el("dt", null, "tensors"), el("dd", null, chips(tensors, "tensor")));
    if (e.to === "stale") detail.append(el("dt", null, "why"), el("dd", null, "no report that counts within the interval"));
    if (e.digest)
      detail.append(el("dt", null, "report"), el("dd", { class: "digest", title: text(e.digest) }, text(e.digest).slice(0, 16) + "…"));
    if (detail.childNodes.length) item.appendChild(detail);
    return item;
  }

  function renderEvents() {
    var shown = events.filter(function (e) {
      return filterWorkload === null || e.workload === filterWorkload;
    });
    var list = $("events");
    var items = shown.slice().reverse().map(eventItem);
    list.replaceChildren.apply(list, items);
    $("no-events").hidden = items.length > 0;
    $("filter").hidden = filterWorkload === null;
    $("filter-name").textContent = filterWorkload === null ? "" : filterWorkload;
  }

  function setFilter(id) {
    filterWorkload = id;
    renderEvents();
    Array.prototype.forEach.call(document.querySelectorAll("#workload-rows tr"), function (row) {
      row.setAttribute("aria-selected", row.getAttribute("data-workload") === id ? "true" : "false");
    });
  }

  /* ---- start ---- */

  function start() {
    takeTokenFromFragment();
    $("forget").hidden = !getToken();
    $("token-form").addEventListener("submit", onTokenSubmit);
    $("forget").addEventListener("click", onForget);
    window.addEventListener("hashchange", onHashChange);
    $("filter-clear").addEventListener("click", function () {
      setFilter(null);
    });
    refresh();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
