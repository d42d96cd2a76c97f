// walkrag trace UI: keyboard shortcuts, labelling calls, the live page. No dependencies.
(function () {
  "use strict";
  const body = document.body;
  const page = body.dataset.page;
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  function toast(text, bad) {
    const t = $("#toast");
    if (!t) return;
    t.textContent = text;
    t.className = bad ? "show bad" : "show";
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.className = ""; }, 1600);
  }

  async function post(url, data) {
    const r = await fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data),
    });
    const out = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(out.error || ("HTTP " + r.status));
    return out;
  }

  function typing(ev) {
    const el = ev.target;
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  function toggleHelp() { const h = $("#help"); if (h) h.hidden = !h.hidden; }
  const helpButton = $("#help-toggle");
  if (helpButton) helpButton.addEventListener("click", toggleHelp);

  // ---- the list of traces -------------------------------------------------------------------------
  function listPage() {
    const rows = $$("tr.row");
    let cursor = 0;
    function select(i) {
      if (!rows.length) return;
      cursor = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach((r, j) => r.classList.toggle("current", j === cursor));
      rows[cursor].scrollIntoView({ block: "nearest" });
    }
    async function labelRow(label) {
      const row = rows[cursor];
      if (!row) return;
      try {
        await post("/api/traces/" + row.dataset.id + "/label", { label: label, keep_note: true });
        $(".label-cell .badge", row).outerHTML = '<span class="badge ' + (label || "none") + '">' + (label || "unlabeled") + "</span>";
        toast(label ? "labeled " + label : "label cleared");
        select(cursor + 1);
      } catch (e) { toast(e.message, true); }
    }
    rows.forEach((r, i) => r.addEventListener("click", (ev) => { if (ev.target.tagName !== "A") select(i); }));
    select(0);
    document.addEventListener("keydown", (ev) => {
      if (typing(ev) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const k = ev.key;
      if (k === "j") select(cursor + 1);
      else if (k === "k") select(cursor - 1);
      else if ((k === "Enter" || k === "o") && rows[cursor]) location.href = rows[cursor].dataset.href;
      else if (k === "g") labelRow("good");
      else if (k === "b") labelRow("bad");
      else if (k === "u") labelRow(null);
      else if (k === "/") { ev.preventDefault(); $("#f-q").focus(); }
      else if (k === "?") toggleHelp();
      else return;
      ev.preventDefault();
    });
  }

  // ---- one trace ----------------------------------------------------------------------------------
  function tracePage() {
    const id = body.dataset.id;
    const filters = body.dataset.filters || "";
    const state = $("#label-state");
    const note = $("#note");
    const evidence = $$("section.ev");
    let current = evidence.length ? 0 : -1;

    function showLabel(label) {
      body.dataset.label = label || "";
      state.textContent = label || "unlabeled";
      state.className = "badge " + (label || "none");
    }
    async function label(value, thenNext) {
      try {
        await post("/api/traces/" + id + "/label", { label: value, note: note.value, keep_note: false });
        showLabel(value);
        toast(value ? "labeled " + value : "label cleared");
        if (thenNext) go(body.dataset.older);
      } catch (e) { toast(e.message, true); }
    }
    async function saveNote() {
      try { await post("/api/traces/" + id + "/note", { note: note.value }); toast("note saved"); }
      catch (e) { toast(e.message, true); }
    }
    function go(target) { if (target) location.href = "/traces/" + target + filters; else toast("no more traces"); }
    function focusEvidence(i) {
      if (!evidence.length) return;
      current = Math.max(0, Math.min(evidence.length - 1, i));
      evidence.forEach((e, j) => e.classList.toggle("current", j === current));
      evidence[current].scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
    async function mark(section, value) {
      try {
        await post("/api/traces/" + id + "/evidence/" + section.dataset.rank, { relevant: value });
        section.dataset.relevant = value === null ? "" : String(value);
        toast("#" + section.dataset.rank + (value === null ? " unmarked" : value ? " relevant" : " not relevant"));
      } catch (e) { toast(e.message, true); }
    }
    function toggle(section) {
      const now = section.dataset.relevant;
      mark(section, now === "true" ? false : true);
    }

    $("#label-good").addEventListener("click", () => label("good"));
    $("#label-bad").addEventListener("click", () => label("bad"));
    $("#label-clear").addEventListener("click", () => label(null));
    $("#save-note").addEventListener("click", saveNote);
    note.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); saveNote(); note.blur(); }
      else if (ev.key === "Escape") note.blur();
    });
    evidence.forEach((section, i) => {
      $$("button.mark", section).forEach((btn) => btn.addEventListener("click", () => {
        focusEvidence(i);
        const value = btn.dataset.value === "true";
        mark(section, section.dataset.relevant === String(value) ? null : value);
      }));
    });
    if (current >= 0) evidence[0].classList.add("current");

    document.addEventListener("keydown", (ev) => {
      if (typing(ev) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const k = ev.key;
      if (k === "j") go(body.dataset.older);
      else if (k === "k") go(body.dataset.newer);
      else if (k === "g") label("good");
      else if (k === "b") label("bad");
      else if (k === "G") label("good", true);
      else if (k === "B") label("bad", true);
      else if (k === "u") label(null);
      else if (k === "n") note.focus();
      else if (k === "]") focusEvidence(current + 1);
      else if (k === "[") focusEvidence(current - 1);
      else if (k === "r" && current >= 0) toggle(evidence[current]);
      else if (k === "l") location.href = "/traces" + filters;
      else if (k === "?") toggleHelp();
      else return;
      ev.preventDefault();
    });
  }

  // ---- ask live -----------------------------------------------------------------------------------
  function livePage() {
    const form = $("#live-form");
    const steps = $("#live-steps");
    const answer = $("#live-answer");
    const done = $("#live-done");
    let source = null;

    function add(cls, text) {
      const li = document.createElement("li");
      li.className = cls;
      li.textContent = text;
      steps.appendChild(li);
      return li;
    }
    function describe(step) {
      const parts = [step.name || step.action || "step"];
      const query = step.query || (step.queries && step.queries.join("; "));
      if (query) parts.push("“" + query + "”");
      if (step.n_hits !== undefined) parts.push(step.n_hits + " hits");
      if (step.found) parts.push(step.found.length + " new span(s)");
      if (step.ms !== undefined && step.ms !== null) parts.push(Math.round(step.ms) + " ms");
      if (step.decision) parts.push(step.decision);
      if (step.hits) parts.push(step.hits.slice(0, 5).map((h) => h.ref).join("  "));
      return parts.join(" · ");
    }
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      if (source) source.close();
      steps.textContent = "";
      answer.textContent = "";
      answer.hidden = true;
      done.textContent = "running...";
      const params = new URLSearchParams({
        q: $("#live-q").value, mode: $("#f-mode").value, llm: $("#live-llm").checked ? "true" : "false",
      });
      source = new EventSource("/api/live?" + params.toString());
      source.addEventListener("step", (e) => add("step", describe(JSON.parse(e.data))));
      source.addEventListener("walk", (e) => add("step", describe(JSON.parse(e.data).step || {})));
      source.addEventListener("info", (e) => add("info", JSON.parse(e.data).text));
      source.addEventListener("llm", (e) => {
        const c = JSON.parse(e.data);
        add("llm", "LLM " + (c.model || "") + " · " + (c.prompt_version || "") + " · " +
          c.prompt_tokens + "+" + c.completion_tokens + " tokens · " + Math.round(c.latency_ms) + " ms" + (c.ok ? "" : " · failed"));
      });
      source.addEventListener("token", (e) => { answer.hidden = false; answer.textContent += JSON.parse(e.data).text; });
      source.addEventListener("result", (e) => {
        const r = JSON.parse(e.data);
        if (r.answer) { answer.hidden = false; answer.textContent = r.answer; }
        if (r.evidence) add("result", "evidence: " + r.evidence.slice(0, 10).join("  "));
      });
      source.addEventListener("trace", (e) => {
        const t = JSON.parse(e.data);
        done.innerHTML = "";
        const a = document.createElement("a");
        a.href = "/traces/" + t.id;
        a.textContent = "open the trace " + t.id;
        a.id = "live-trace";
        done.appendChild(a);
      });
      source.addEventListener("error", (e) => {
        if (e.data) add("error", JSON.parse(e.data).error);
        source.close();
      });
      source.addEventListener("done", () => {
        source.close();
        if (done.textContent === "running...") done.textContent = "finished (recording is off?)";
      });
    });
  }

  if (page === "list") listPage();
  else if (page === "trace") tracePage();
  else if (page === "live") livePage();
})();
