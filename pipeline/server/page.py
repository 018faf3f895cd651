# ruff: noqa: E501  (the page's inline script and markup read better unwrapped)
"""The web page of `zhen serve`: one self-contained HTML page with a small inline script.

No build step and no external assets. The page holds no data: the script fetches it from the
JSON API with the access token (taken from the URL fragment `#token=...` that `zhen serve`
prints, or typed in, and kept in the browser's localStorage). Release text is only ever put
into the page as text (textContent, .value), never as markup.
"""

from __future__ import annotations

from ..glossary import KINDS
from ..write import FORMATS

# The tab's icon (a "z" on blue): served at /favicon.ico, where browsers ask for one.
FAVICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" '
           'fill="#1c5fb8"/><path d="M4.5 4.5h7l-7 7h7" stroke="#fff" stroke-width="2" fill="none"/></svg>')

SCRIPT = r"""
"use strict";
const $ = (sel) => document.querySelector(sel);
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k);
  return e;
}
const frag = new URLSearchParams(location.hash.slice(1));
if (frag.get("token")) { localStorage.setItem("zhen-token", frag.get("token")); history.replaceState(null, "", "/"); }
function token() { return localStorage.getItem("zhen-token") || ""; }
async function api(method, path, body) {
  const opts = {method, headers: {"Authorization": "Bearer " + token()}};
  if (body instanceof FormData) opts.body = body;
  else if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
  const r = await fetch(path, opts);
  // No token, or not this server's: say what to do here, not what the API wants in a header.
  if (r.status === 401) throw new Error("paste the token `zhen serve` printed into the token box above, or open the link with #token= that it printed");
  if (!r.ok) {
    let msg = r.status + " " + r.statusText;
    try { msg = (await r.json()).error || msg; } catch (e) {}
    throw new Error(msg);
  }
  return r;
}
function status(msg, bad) { const s = $("#status"); s.textContent = msg; s.className = bad ? "bad" : ""; }
// An approval the memory could not keep is said on the page, not only in the answer.
function approved(msg, r) { const w = (r && r.warnings) || []; status(w.length ? msg + "; " + w.join("; ") : msg, w.length > 0); }

async function showList() {
  $("#review").hidden = true; $("#home").hidden = false;
  const list = $("#jobs"); list.replaceChildren();
  try {
    const data = await (await api("GET", "/api/jobs")).json();
    for (const j of data.jobs) {
      list.append(el("li", {}, el("a", {href: "#job=" + j.id}, j.name), " ",
                     el("span", {class: "st " + j.status}, j.status), " ", el("small", {}, j.created)));
    }
    if (!data.jobs.length) list.append(el("li", {}, "no jobs yet"));
  } catch (e) { status(e.message, true); }
}

async function submit() {
  const text = $("#text").value, file = $("#file").files[0], url = $("#url").value.trim();
  let body;
  if (file) { body = new FormData(); body.append("file", file); }
  else if (url) { body = {url}; if ($("#name").value) body.name = $("#name").value; status("fetching " + url); }
  else if (text.trim()) body = {text, name: $("#name").value || "pasted text"};
  else { status("paste a release, choose a file or give the page's address first", true); return; }
  try {
    const job = await (await api("POST", "/api/jobs", body)).json();
    for (const id of ["#file", "#url", "#text", "#name"]) $(id).value = "";  // the next release starts afresh
    location.hash = "job=" + job.id;
  } catch (e) { status(e.message, true); }
}

let current = null;
async function showJob(id) {
  $("#home").hidden = true; $("#review").hidden = false;
  $("#rows").replaceChildren(); $("#first").replaceChildren(); $("#downloads").hidden = true;
  const bar = $("#progress");
  for (;;) {
    let job;
    try { job = await (await api("GET", "/api/jobs/" + id)).json(); } catch (e) { status(e.message, true); return; }
    if (location.hash !== "#job=" + id) return;  // the reader went elsewhere
    $("#title").textContent = job.name;
    if (job.status === "done") { bar.hidden = true; current = job; renderJob(job); status("translated: " + job.segments.length + " segments"); return; }
    if (job.status === "failed") { bar.hidden = true; status("failed: " + job.error, true); return; }
    bar.hidden = false; bar.max = job.total || 1; bar.value = job.done;
    status(job.status + (job.total ? ": " + job.done + " of " + job.total + " sentences" : ""));
    await new Promise((ok) => setTimeout(ok, 400));
  }
}

// The English box as tall as its text (a 60-word sentence is read whole, not through 3 rows).
function fit(box) { box.style.height = "auto"; box.style.height = (box.scrollHeight + 4) + "px"; }

function riskCell(seg) {
  const cell = el("td", {class: "risk"});
  if (seg.risk && seg.risk !== "ok") cell.append(el("b", {class: "r-" + seg.risk}, seg.risk));
  const reasons = el("ul", {});
  // the checks carry every reason (figures and glossary terms included), one line each
  for (const c of seg.checks || []) reasons.append(el("li", {}, c.reason));
  cell.append(reasons);
  const flags = (seg.flags || []).filter((f) => f === "reviewed" || f === "approved");
  if (flags.length) cell.append(el("div", {class: "ok"}, flags.join(", ")));
  return cell;
}

function zhText(seg) {
  // glossary terms marked, their English on hover. Hits point into norm; where normalizing
  // changed the length (traditional script with pinyin glosses, 發(fā)布會(huì)) the normalized text
  // is shown, so the marks still fall on their terms, and the text as published is on hover.
  const text = seg.text.length === seg.norm.length ? seg.text : seg.norm;
  const out = el("span", text === seg.text ? {} : {class: "normalized", title: seg.text});
  const hits = (seg.hits || []).filter((h) => h.end <= text.length).sort((a, b) => a.start - b.start);
  let at = 0;
  for (const h of hits) {
    if (h.start < at) continue;
    out.append(text.slice(at, h.start), el("mark", {class: "term " + h.status, title: h.en}, text.slice(h.start, h.end)));
    at = h.end;
  }
  out.append(text.slice(at));
  return out;
}

function row(seg) {
  const tr = el("tr", {id: "seg-" + seg.id, "data-id": seg.id, class: "risk-" + (seg.risk || "none")});
  const who = seg.speaker ? el("div", {class: "who"}, seg.speaker) : null;
  const whoEn = seg.speaker_en ? el("div", {class: "who"}, seg.speaker_en) : null;
  // the block's kind and speaker, as the reviewer may correct them (the release is written again)
  const kind = el("select", {class: "kind", title: "kind of this block"});
  for (const k of ["title", "heading", "paragraph", "turn", "boilerplate"]) {
    const o = el("option", {value: k}, k); if (k === seg.kind) o.selected = true; kind.append(o);
  }
  const spk = el("input", {class: "speaker", placeholder: "speaker", size: "8"}); spk.value = seg.speaker || "";
  const setIt = el("button", {class: "restructure", onclick: async () => {
    try {
      await api("PUT", "/api/jobs/" + current.id + "/blocks/" + seg.block, {kind: kind.value, speaker: spk.value.trim() || null});
      await reload(); status("block " + seg.block + ": " + kind.value + (spk.value.trim() ? ", " + spk.value.trim() : ""));
    } catch (e) { status(e.message, true); }
  }}, "Set");
  tr.append(el("td", {class: "id"}, seg.id, el("br"), kind, el("br"), spk, setIt));
  tr.append(el("td", {class: "zh", lang: "zh"}, who, zhText(seg)));
  const en = el("td", {class: "en", lang: "en"}, whoEn);
  if (seg.target) {
    const box = el("textarea", {class: "edit", rows: String(Math.max(3, Math.ceil(seg.target.length / 50) + 1))});
    box.value = seg.target;
    // the checks run again as the reviewer types (a pause of 400 ms), nothing saved until Save
    let timer = null, asked = 0;
    box.addEventListener("input", () => {
      fit(box);
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const mine = ++asked;
        if (!box.value.trim()) return;
        try {
          const s = await (await api("POST", "/api/jobs/" + current.id + "/segments/" + seg.id + "/check", {target: box.value})).json();
          if (mine !== asked) return;  // a later keystroke's answer wins
          const cell = riskCell(s); cell.classList.add("live");
          cell.prepend(el("small", {class: "unsaved"}, "checked as typed, not saved"));
          tr.querySelector("td.risk").replaceWith(cell);
          tr.className = "risk-" + (s.risk || "none");
        } catch (e) { status(e.message, true); }
      }, 400);
    });
    const save = el("button", {class: "save", onclick: async () => {
      try {
        const s = await (await api("PUT", "/api/jobs/" + current.id + "/segments/" + seg.id, {target: box.value})).json();
        const fresh = row(s); tr.replaceWith(fresh); fresh.querySelectorAll("textarea.edit").forEach(fit);
        status("saved " + seg.id + ": risk " + s.risk);
      } catch (e) { status(e.message, true); }
    }}, "Save");
    const approve = el("button", {class: "approve", onclick: async () => {
      try {
        const r = await (await api("POST", "/api/jobs/" + current.id + "/approve", {segments: [seg.id]})).json();
        await reload(); approved("approved " + seg.id, r);
      } catch (e) { status(e.message, true); }
    }}, "Approve");
    en.append(box, el("div", {}, save, " ", approve));
  } else en.append(el("span", {class: "muted"}, "(not translated)"));
  tr.append(en, riskCell(seg));
  return tr;
}

function renderJob(job) {
  const rows = $("#rows"); rows.replaceChildren();
  const first = $("#first"); first.replaceChildren();
  for (const seg of job.segments) {
    const tr = row(seg);
    rows.append(tr);
    tr.querySelectorAll("textarea.edit").forEach(fit);
    if (seg.risk === "check" || seg.risk === "bad") {
      const why = (seg.checks || []).map((c) => c.reason).join("; ");
      first.append(el("li", {}, el("a", {href: "#seg-" + seg.id, onclick: (ev) => { ev.preventDefault(); document.getElementById("seg-" + seg.id).scrollIntoView(); }}, seg.id), " " + seg.risk + ": " + why));
    }
  }
  if (!first.children.length) first.append(el("li", {}, "nothing flagged"));
  const summary = $("#summary"); summary.replaceChildren();
  for (const p of (job.summary && job.summary.sentences) || []) summary.append(el("li", {}, p.en || "", p.id ? el("small", {}, " (" + p.id + ")") : null));
  $("#downloads").hidden = false;
  showNames().catch((e) => status(e.message, true));
}

async function showNames() {
  const body = $("#n-rows"); body.replaceChildren();
  const names = (await (await api("GET", "/api/jobs/" + current.id + "/names")).json()).names;
  for (const n of names) {
    const off = n.en ? {} : {disabled: ""};  // foreign and regional names: the glossary's to settle
    const input = el("input", {value: n.en || "", size: 24, ...off});
    const save = el("button", {onclick: async () => {
      try {
        const r = await (await api("PUT", "/api/jobs/" + current.id + "/names", {zh: n.zh, en: input.value})).json();
        status(n.zh + ": " + r.changed.length + " segment(s) changed"); await reload();
      } catch (e) { status(e.message, true); }
    }, ...off}, "Change everywhere");
    body.append(el("tr", {}, el("td", {lang: "zh"}, n.zh), el("td", {}, input, " ", save), el("td", {}, n.kind),
                   el("td", {}, String(n.count))));
  }
  $("#names").hidden = !names.length;
}

async function reload() {
  current = await (await api("GET", "/api/jobs/" + current.id)).json();
  renderJob(current);
}

// The file name the server gives (the release's own name), as a plain link's download would have it.
function savedName(r, fallback) {
  const cd = r.headers.get("Content-Disposition") || "";
  const star = cd.match(/filename\*=utf-8''([^;]+)/i), plain = cd.match(/filename="([^"]+)"/);
  try { if (star) return decodeURIComponent(star[1]); } catch (e) {}
  return plain ? plain[1] : fallback;
}

async function download(fmt, suffix) {
  try {
    const r = await api("GET", "/api/jobs/" + current.id + "/output/" + fmt);
    const blob = await r.blob();
    const a = el("a", {href: URL.createObjectURL(blob), download: savedName(r, current.name + suffix)});
    document.body.append(a); a.click(); a.remove();
  } catch (e) { status(e.message, true); }
}

let glossaryAsked = 0;
async function showGlossary(note) {
  for (const id of ["#home", "#review"]) $(id).hidden = true;
  $("#glossary").hidden = false;
  const q = $("#g-q").value, kind = $("#g-kind").value, asked = ++glossaryAsked;
  try {
    const data = await (await api("GET", "/api/glossary?" + new URLSearchParams({q, kind}))).json();
    if (asked !== glossaryAsked) return;  // a later search was made meanwhile: its answer wins
    const rows = $("#g-rows"); rows.replaceChildren();
    for (const t of data.terms.slice(0, 300)) {
      rows.append(el("tr", {}, el("td", {lang: "zh"}, t.zh), el("td", {}, t.en), el("td", {}, t.kind),
        el("td", {class: "muted"}, t.note),
        el("td", {}, el("button", {class: "g-remove", onclick: async () => {
          if (!confirm("Remove " + t.zh + " = " + t.en + " from the glossary? Later translations will no longer use it.")) return;
          try { await api("DELETE", "/api/glossary/" + encodeURIComponent(t.zh)); showGlossary("removed " + t.zh); }
          catch (e) { status(e.message, true); }
        }}, "Remove"))));
    }
    // what was just done stays in view beside the count
    status((typeof note === "string" ? note + "; " : "") + data.terms.length + " terms" + (data.terms.length > 300 ? " (first 300 shown)" : "") + " in " + data.file);
  } catch (e) { status(e.message, true); }
}

async function addTerm() {
  const term = {zh: $("#g-zh").value.trim(), en: $("#g-en").value.trim(), kind: $("#g-newkind").value, note: $("#g-note").value.trim(),
                source: $("#g-source").value.trim()};
  try {
    const r = await (await api("POST", "/api/glossary", term)).json();
    $("#g-q").value = term.zh; showGlossary(r.result + ": " + term.zh + " = " + term.en);
  } catch (e) { status(e.message, true); }
}

function route() {
  const m = location.hash.match(/^#job=([0-9a-f]{16})$/);
  $("#glossary").hidden = true;
  if (m) showJob(m[1]); else if (location.hash === "#glossary") showGlossary(); else showList();
}
$("#g-search").addEventListener("click", showGlossary);
$("#g-lint").addEventListener("click", async () => {
  try {
    const data = await (await api("GET", "/api/glossary/lint")).json();
    const list = $("#g-findings"); list.replaceChildren();
    for (const f of data.findings) list.append(el("li", {class: f.level === "error" ? "bad" : ""}, f.where + ": " + f.level + ": " + f.message));
    status(data.findings.length + " lint findings");
  } catch (e) { status(e.message, true); }
});
$("#g-add").addEventListener("click", addTerm);
$("#g-export").addEventListener("click", async () => {
  try {
    const blob = await (await api("GET", "/api/glossary/export")).blob();
    const a = el("a", {href: URL.createObjectURL(blob), download: "glossary.tsv"});
    document.body.append(a); a.click(); a.remove();
  } catch (e) { status(e.message, true); }
});
$("#g-import").addEventListener("click", async () => {
  const file = $("#g-file").files[0];
  if (!file) { status("choose a TSV file to import first", true); return; }
  const form = new FormData(); form.append("file", file);
  try {
    const r = await (await api("POST", "/api/glossary/import?overwrite=" + $("#g-overwrite").checked, form)).json();
    const list = $("#g-findings"); list.replaceChildren();
    for (const c of r.changes) list.append(el("li", {}, "updated " + c.zh + ": " + c.from + " \u2192 " + c.to));
    for (const x of r.rejections) list.append(el("li", {class: "bad"}, "rejected line " + x.line + " (" + x.zh + "): " + x.reason));
    $("#g-file").value = "";
    showGlossary("imported " + file.name + ": " + r.added + " added, " + r.updated + " updated, " + r.rejected + " rejected");
  } catch (e) { status(e.message, true); }
});
$("#go").addEventListener("click", submit);
$("#approve-all").addEventListener("click", async () => {
  try {
    const r = await (await api("POST", "/api/jobs/" + current.id + "/approve", {})).json();
    await reload(); approved("approved every segment", r);
  }
  catch (e) { status(e.message, true); }
});
for (const b of document.querySelectorAll("[data-fmt]")) b.addEventListener("click", () => download(b.dataset.fmt, b.dataset.suffix));
$("#token").value = token();  // the box shows the token in use (from the printed link, or typed in before)
$("#save-token").addEventListener("click", () => { localStorage.setItem("zhen-token", $("#token").value.trim()); status("token saved"); route(); });
window.addEventListener("hashchange", route);
route();
"""

_KINDS = "".join(f'<option value="{k}">{k}</option>' for k in KINDS)
# The formats a reviewer takes into a CAT tool and merges back come first.
_DOWNLOADS = " ".join(f'<button data-fmt="{name}" data-suffix="{f.suffix}">{f.label}</button>'
                      for name, f in sorted(FORMATS.items(), key=lambda item: not item[1].merges_back))

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>zhen: translate and review releases</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1em; color: #222; }
header { display: flex; gap: 1em; align-items: baseline; flex-wrap: wrap; border-bottom: 1px solid #ccc; }
header h1 { margin: 0 .5em 0 0; font-size: 1.3em; } header a { color: inherit; }
textarea { width: 100%; box-sizing: border-box; font: inherit; } textarea.edit { resize: vertical; overflow-y: hidden; }
#text { min-height: 12em; }
table { border-collapse: collapse; width: 100%; } td { border-top: 1px solid #ddd; vertical-align: top; padding: .4em; }
td.zh { width: 38%; } td.en { width: 38%; } td.id { color: #777; width: 3em; } td.risk { font-size: .9em; }
tr.risk-check td.zh { border-left: 4px solid #e0a800; } tr.risk-bad td.zh { border-left: 4px solid #c00; }
.r-check { color: #8a6d00; } .r-bad, .bad { color: #c00; } .ok { color: #070; } .muted, small { color: #777; }
.who { font-weight: 600; } mark.term { background: #e6f0ff; } mark.term.missing { background: #ffe0e0; } .st.done { color: #070; } .st.failed { color: #c00; }
#status { min-height: 1.5em; } progress { width: 100%; } .unsaved { display: block; font-style: italic; }
@media (max-width: 700px) { td.id, td.risk { display: none; } }
</style></head>
<body>
<header><h1><a href="#">zhen</a></h1><span>Chinese releases into English: translate, review, approve</span>
<a href="#">Jobs</a> <a href="#glossary">Glossary</a>
<label>token <input id="token" type="password" size="12"></label><button id="save-token">Use token</button></header>
<p id="status" role="status"></p>
<section id="home">
<h2>New release</h2>
<p><input id="name" placeholder="name (optional)"> or upload <input id="file" type="file" accept=".txt,.md,.html,.htm,.docx,.doc,.pdf"></p>
<p><input id="url" type="url" size="60" placeholder="or the address of the release page (http or https)"></p>
<textarea id="text" placeholder="Paste the Chinese release here"></textarea>
<p><button id="go">Translate</button></p>
<h2>Jobs</h2><ul id="jobs"></ul>
</section>
<section id="review" hidden>
<h2 id="title"></h2>
<progress id="progress" hidden></progress>
<div id="downloads" hidden><button id="approve-all">Approve all</button>
Download: """ + _DOWNLOADS + """
<h3>Summary</h3><ol id="summary"></ol>
<h3>Check these first</h3><ul id="first"></ul></div>
<div id="names" hidden><h3>Names</h3>
<table><thead><tr><th>Chinese</th><th>English</th><th>kind</th><th>count</th></tr></thead><tbody id="n-rows"></tbody></table></div>
<table><tbody id="rows"></tbody></table>
</section>
<section id="glossary" hidden>
<h2>Glossary</h2>
<p><input id="g-q" placeholder="search zh, en or note"> <select id="g-kind"><option value="">any kind</option>""" + _KINDS + """</select>
<button id="g-search">Search</button> <button id="g-lint">Lint</button></p>
<ul id="g-findings"></ul>
<p>Add or change: <input id="g-zh" placeholder="zh" size="10"> <input id="g-en" placeholder="English">
<select id="g-newkind">""" + _KINDS + """</select> <input id="g-note" placeholder="note">
<input id="g-source" size="40" placeholder="source: Publisher year, URL: &quot;English&quot; or convention: rule">
<button id="g-add">Add</button></p>
<p><button id="g-export">Export TSV</button> Import TSV: <input id="g-file" type="file" accept=".tsv,.txt">
<label><input id="g-overwrite" type="checkbox"> take the imported English where it differs</label> <button id="g-import">Import</button></p>
<table><tbody id="g-rows"></tbody></table>
</section>
<script>""" + SCRIPT + """</script>
</body></html>
"""
