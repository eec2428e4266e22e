/* Chat page for the coverage and coding assistant. Vanilla JS, no build step, no external URLs.
   Every piece of server text is inserted as a text node (never as HTML). */
"use strict";

(function () {
  const MAX_MESSAGES = 40;
  const MAX_CHARS = 4000;
  const KEY_STORAGE = "assistant-api-key";
  const MARKER = /\[(\d+)\]/g;

  const log = document.getElementById("log");
  const statusLine = document.getElementById("status");
  const askForm = document.getElementById("ask-form");
  const question = document.getElementById("question");
  const sendButton = document.getElementById("send");
  const keyForm = document.getElementById("key-form");
  const keyInput = document.getElementById("key-input");
  const layout = document.querySelector(".layout");
  const panel = document.getElementById("panel");
  const panelTitle = document.getElementById("panel-title");
  const panelMeta = document.getElementById("panel-meta");
  const panelLink = document.getElementById("panel-link");
  const panelRef = document.getElementById("panel-ref");
  const panelText = document.getElementById("panel-text");
  const panelClose = document.getElementById("panel-close");
  const narrow = window.matchMedia("(max-width: 700px)");

  /** The conversation sent with every question: {role, content}. */
  const history = [];
  const documents = new Map();
  let busy = false;
  let lastMarkerButton = null;

  /** Build an element with optional class, text and attributes. */
  function el(tag, options) {
    const node = document.createElement(tag);
    const opts = options || {};
    if (opts.cls) node.className = opts.cls;
    if (opts.text !== undefined) node.textContent = opts.text;
    if (opts.attrs) {
      for (const [name, value] of Object.entries(opts.attrs)) node.setAttribute(name, value);
    }
    return node;
  }

  function setStatus(text, isError) {
    statusLine.textContent = text || "";
    statusLine.classList.toggle("error", Boolean(isError));
  }

  class HttpError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  /* ---------- API key ---------- */

  function storedKey() {
    try {
      return window.sessionStorage.getItem(KEY_STORAGE) || "";
    } catch (e) {
      return "";
    }
  }

  function storeKey(key) {
    try {
      if (key) window.sessionStorage.setItem(KEY_STORAGE, key);
      else window.sessionStorage.removeItem(KEY_STORAGE);
    } catch (e) {
      /* storage disabled: the key lives for this request only */
    }
  }

  let pendingKey = null;

  /** Show the key form once and resolve with the key the user enters. */
  function askForKey() {
    if (pendingKey) return pendingKey;
    pendingKey = new Promise(function (resolve) {
      keyForm.hidden = false;
      keyInput.value = "";
      keyInput.focus();
      function submitted(event) {
        event.preventDefault();
        const key = keyInput.value.trim();
        if (!key) return;
        keyForm.removeEventListener("submit", submitted);
        keyForm.hidden = true;
        storeKey(key);
        pendingKey = null;
        question.focus();
        resolve(key);
      }
      keyForm.addEventListener("submit", submitted);
    });
    return pendingKey;
  }

  function headers(json) {
    const h = {};
    if (json) h["Content-Type"] = "application/json";
    const key = storedKey();
    if (key) h["Authorization"] = "Bearer " + key;
    return h;
  }

  /** fetch with the key; on 401 ask for a key once and retry once. */
  async function call(url, init) {
    const build = function () {
      return Object.assign({}, init || {}, { headers: headers(Boolean(init && init.body)) });
    };
    let response = await fetch(url, build());
    if (response.status === 401) {
      if (storedKey()) storeKey("");
      setStatus("This server needs an API key.", false);
      await askForKey();
      setStatus("", false);
      response = await fetch(url, build());
      if (response.status === 401) storeKey("");
    }
    if (!response.ok) throw new HttpError(response.status, await errorMessage(response));
    return response;
  }

  async function errorMessage(response) {
    let message = "";
    try {
      const body = await response.json();
      message = body && body.error && body.error.message ? String(body.error.message) : "";
    } catch (e) {
      message = "";
    }
    if (response.status === 401) return "The API key was refused. Send again to enter another key.";
    if (response.status === 429) {
      const wait = response.headers.get("Retry-After");
      return "Too many questions for now" + (wait ? "; retry in " + wait + " s." : "; retry shortly.");
    }
    if (response.status === 503) return "The assistant is busy; retry shortly.";
    return "The server answered " + response.status + (message ? ": " + message : ".");
  }

  function describeFailure(error) {
    if (error instanceof HttpError) return error.message;
    return "The server could not be reached. Check the connection and try again.";
  }

  /* ---------- asking ---------- */

  async function askStreaming(messages, onDelta) {
    const response = await call("/v1/chat", {
      method: "POST",
      body: JSON.stringify({ messages: messages, stream: true }),
    });
    if (!response.body || !response.body.getReader) throw new Error("no stream");
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let result = null;
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      buffer = buffer.replace(/\r\n/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = parseEvent(block);
        if (!event) continue;
        if (event.name === "delta") onDelta(String(event.data.text || ""));
        else if (event.name === "done") result = event.data;
        else if (event.name === "error") throw new Error("stream error");
      }
    }
    if (!result) throw new Error("stream ended early");
    return result;
  }

  /** One server-sent event block: its `event:` name and its `data:` JSON. */
  function parseEvent(block) {
    let name = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) name = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    if (!data.length) return null;
    return { name: name, data: JSON.parse(data.join("\n")) };
  }

  async function askPlain(messages) {
    const response = await call("/v1/chat", {
      method: "POST",
      body: JSON.stringify({ messages: messages }),
    });
    return response.json();
  }

  async function send(text) {
    if (busy) return;
    busy = true;
    sendButton.disabled = true;
    setStatus("", false);
    history.push({ role: "user", content: text.slice(0, MAX_CHARS) });
    while (history.length > MAX_MESSAGES) history.shift();
    addUserMessage(text);
    const view = addPendingAnswer();
    view.messages = history.slice();
    let streamed = "";
    let result = null;
    try {
      try {
        result = await askStreaming(history.slice(), function (piece) {
          streamed += piece;
          view.body.textContent = streamed;
          view.article.classList.remove("thinking");
        });
      } catch (error) {
        if (error instanceof HttpError) throw error;
        view.body.textContent = "Thinking…";
        view.article.classList.add("thinking");
        result = await askPlain(history.slice());
      }
      history.push({ role: "assistant", content: String(result.answer).slice(0, MAX_CHARS) });
      renderAnswer(view, result);
    } catch (error) {
      history.pop();
      view.article.remove();
      addErrorMessage(describeFailure(error));
      if (!question.value) question.value = text;
    } finally {
      busy = false;
      sendButton.disabled = false;
      question.focus();
    }
  }

  /* ---------- rendering ---------- */

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function addUserMessage(text) {
    const article = el("article", { cls: "msg user", attrs: { "aria-label": "Your question" } });
    article.appendChild(el("p", { cls: "body", text: text }));
    log.appendChild(article);
    scrollToEnd();
  }

  function addErrorMessage(text) {
    const article = el("article", { cls: "msg failure", attrs: { role: "alert" } });
    article.appendChild(el("p", { cls: "body", text: text }));
    log.appendChild(article);
    scrollToEnd();
  }

  function addPendingAnswer() {
    const article = el("article", {
      cls: "msg answer thinking",
      attrs: { "aria-label": "Answer", "aria-busy": "true" },
    });
    const body = el("p", { cls: "body", text: "Thinking…" });
    article.appendChild(body);
    log.appendChild(article);
    scrollToEnd();
    return { article: article, body: body };
  }

  /** Append ``text`` to ``parent`` with each [n] as a button that opens citation n. */
  function appendWithMarkers(parent, text, byMarker, article) {
    let last = 0;
    MARKER.lastIndex = 0;
    let match;
    while ((match = MARKER.exec(text)) !== null) {
      if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      const citation = byMarker.get(Number(match[1]));
      if (citation) parent.appendChild(markerButton(citation, article));
      else parent.appendChild(document.createTextNode(match[0]));
      last = match.index + match[0].length;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function markerButton(citation, article) {
    const button = el("button", {
      cls: "marker",
      text: "[" + citation.marker + "]",
      attrs: { type: "button", "aria-label": "Show source " + citation.marker + ": " + citation.title },
    });
    button.addEventListener("click", function () {
      openSource(citation, article, button);
    });
    return button;
  }

  function renderAnswer(view, result) {
    const article = view.article;
    const citations = Array.isArray(result.citations) ? result.citations : [];
    const byMarker = new Map(citations.map(function (c) { return [Number(c.marker), c]; }));
    article.classList.remove("thinking");
    article.removeAttribute("aria-busy");
    article.textContent = "";
    if (result.abstained) {
      article.classList.add("abstained");
      article.setAttribute("aria-label", "Not in the sources");
      article.appendChild(el("p", { cls: "label", text: "Not in the sources" }));
    }
    const body = el("p", { cls: "body" });
    appendWithMarkers(body, String(result.answer || ""), byMarker, article);
    article.appendChild(body);

    const conflicts = Array.isArray(result.conflicts) ? result.conflicts : [];
    for (const conflict of conflicts) {
      const box = el("div", { cls: "conflict", attrs: { role: "note" } });
      box.appendChild(el("p", { cls: "label", text: "Sources differ: " + conflict.topic }));
      const list = el("ul");
      for (const claim of conflict.claims || []) {
        const item = el("li");
        item.appendChild(document.createTextNode(String(claim.text) + " "));
        const citation = byMarker.get(Number(claim.citation));
        if (citation) item.appendChild(markerButton(citation, article));
        else item.appendChild(document.createTextNode("[" + claim.citation + "]"));
        list.appendChild(item);
      }
      box.appendChild(list);
      article.appendChild(box);
    }

    if (citations.length) {
      const sources = el("div", { cls: "sources" });
      sources.appendChild(el("p", { cls: "label", text: result.abstained ? "Closest passages" : "Sources" }));
      const list = el("ol");
      for (const citation of citations) {
        const item = el("li");
        item.appendChild(markerButton(citation, article));
        item.appendChild(document.createTextNode(" " + citation.title + (sectionOf(citation) ? " — " + sectionOf(citation) : "") + pageOf(citation) + claimedOf(citation)));
        list.appendChild(item);
      }
      sources.appendChild(list);
      article.appendChild(sources);
    }

    const actions = el("div", { cls: "actions" });
    const copy = el("button", { cls: "copy", text: "Copy", attrs: { type: "button", "aria-label": "Copy answer with sources" } });
    copy.addEventListener("click", function () {
      copyText(plainText(result)).then(
        function () { flash(copy, "Copied"); },
        function () { flash(copy, "Copy failed"); }
      );
    });
    actions.appendChild(copy);
    article.appendChild(actions);
    article.appendChild(feedbackControls(view.messages || [], result));
    scrollToEnd();
  }

  /* ---------- feedback ---------- */

  let feedbackCount = 0;

  /** Thumbs up/down, then an optional comment and expected answer, sent to POST /v1/feedback. */
  function feedbackControls(messages, result) {
    const n = ++feedbackCount;
    const box = el("div", { cls: "feedback" });
    const row = el("div", { cls: "feedback-row", attrs: { role: "group", "aria-label": "Rate this answer" } });
    const up = el("button", { cls: "thumb up", text: "✓ Helpful", attrs: { type: "button", "aria-pressed": "false", "aria-label": "Rate this answer helpful" } });
    const down = el("button", { cls: "thumb down", text: "✗ Not right", attrs: { type: "button", "aria-pressed": "false", "aria-label": "Rate this answer not right" } });
    row.appendChild(up);
    row.appendChild(down);
    box.appendChild(row);

    const form = el("form", { cls: "feedback-form", attrs: { "aria-label": "Feedback on this answer" } });
    form.hidden = true;
    const commentId = "fb-comment-" + n;
    const expectedId = "fb-expected-" + n;
    form.appendChild(el("label", { text: "Comment (optional)", attrs: { for: commentId } }));
    const comment = el("textarea", { attrs: { id: commentId, rows: "2", maxlength: "4000" } });
    form.appendChild(comment);
    form.appendChild(el("label", { text: "Expected answer (optional)", attrs: { for: expectedId } }));
    const expected = el("textarea", { attrs: { id: expectedId, rows: "2", maxlength: "4000" } });
    form.appendChild(expected);
    form.appendChild(el("p", { cls: "hint", text: "Do not enter patient details: identifiers are masked before storing." }));
    const submit = el("button", { cls: "send-feedback", text: "Send feedback", attrs: { type: "submit" } });
    form.appendChild(submit);
    const note = el("p", { cls: "feedback-status", attrs: { role: "status", "aria-live": "polite" } });
    box.appendChild(form);
    box.appendChild(note);

    let rating = null;
    function choose(which) {
      rating = which;
      up.setAttribute("aria-pressed", String(which === "up"));
      down.setAttribute("aria-pressed", String(which === "down"));
      form.hidden = false;
      note.textContent = "";
      comment.focus();
    }
    up.addEventListener("click", function () { choose("up"); });
    down.addEventListener("click", function () { choose("down"); });

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (!rating) return;
      submit.disabled = true;
      note.classList.remove("error");
      note.textContent = "Sending…";
      const body = { rating: rating, messages: messages, response: result };
      if (comment.value.trim()) body.comment = comment.value.trim();
      if (expected.value.trim()) body.expected_answer = expected.value.trim();
      try {
        const response = await call("/v1/feedback", { method: "POST", body: JSON.stringify(body) });
        const receipt = await response.json();
        form.hidden = true;
        up.disabled = true;
        down.disabled = true;
        note.textContent = "Thank you: feedback #" + receipt.id + " saved" +
          (receipt.redactions ? " (" + receipt.redactions + " identifier(s) masked)." : ".");
      } catch (error) {
        note.classList.add("error");
        note.textContent = "Feedback not saved: " + describeFailure(error);
        submit.disabled = false;
      }
    });
    return box;
  }

  /** A note when the document's title, publisher or URL is only the file's own claim about itself. */
  function claimedOf(citation) {
    return citation.provenance === "from_file" ? " (title and publisher as the file gives them, not confirmed)" : "";
  }

  /** ", page N" for a citation into a PDF page, else nothing. */
  function pageOf(citation) {
    return Number.isInteger(citation.page) ? ", page " + citation.page : "";
  }

  /** The citation's section when it says more than the document title. */
  function sectionOf(citation) {
    return citation.section && citation.section !== citation.title ? String(citation.section) : "";
  }

  /** The answer and its numbered sources as plain text, for a claim note or an appeal. */
  function plainText(result) {
    const lines = [String(result.answer || "")];
    const citations = Array.isArray(result.citations) ? result.citations : [];
    if (citations.length) {
      lines.push("", "Sources:");
      for (const c of citations) {
        lines.push("[" + c.marker + "] " + c.title + " (" + c.doc_id + ")");
        lines.push("    \"" + c.quote + "\"");
      }
    }
    return lines.join("\n");
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      const area = el("textarea", { attrs: { "aria-hidden": "true", readonly: "" } });
      area.value = text;
      area.className = "offscreen";
      document.body.appendChild(area);
      area.select();
      const ok = document.execCommand("copy");
      area.remove();
      if (ok) resolve();
      else reject(new Error("copy refused"));
    });
  }

  function flash(button, text) {
    button.textContent = text;
    window.setTimeout(function () { button.textContent = "Copy"; }, 1500);
  }

  /* ---------- source panel ---------- */

  function safeUrl(address) {
    try {
      const url = new URL(String(address), window.location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function placePanel(article) {
    if (narrow.matches) article.after(panel);
    else if (panel.parentElement !== layout) layout.appendChild(panel);
  }

  async function getDocument(docId) {
    if (documents.has(docId)) return documents.get(docId);
    const response = await call("/v1/documents/" + encodeURIComponent(docId));
    const doc = await response.json();
    documents.set(docId, doc);
    return doc;
  }

  async function openSource(citation, article, button) {
    lastMarkerButton = button;
    placePanel(article);
    panel.hidden = false;
    panelTitle.textContent = "[" + citation.marker + "] " + citation.title;
    panelMeta.textContent = (sectionOf(citation) ? "Section: " + sectionOf(citation) + " · " : "") + "Document " + citation.doc_id + pageOf(citation);
    panelLink.textContent = "";
    const href = citation.source_url ? safeUrl(citation.source_url) : null;
    if (href) {
      const link = el("a", { text: citation.source_url, attrs: { href: href, target: "_blank", rel: "noopener noreferrer" } });
      panelLink.appendChild(document.createTextNode("Source: "));
      panelLink.appendChild(link);
    } else if (citation.source_url) {
      panelLink.textContent = "Source: " + citation.source_url;
    }
    if (citation.kind === "reference") {
      panelRef.hidden = false;
      panelRef.textContent = "Project summary of " + (citation.source || "a named source") +
        ", confidence " + (citation.confidence || "unknown");
    } else {
      panelRef.hidden = true;
      panelRef.textContent = "";
    }
    panelText.textContent = "Loading the document…";
    try {
      const doc = await getDocument(citation.doc_id);
      const text = String(doc.text || "");
      panelText.textContent = "";
      panelText.appendChild(document.createTextNode(text.slice(0, citation.start)));
      const mark = el("mark", { text: text.slice(citation.start, citation.end) });
      panelText.appendChild(mark);
      panelText.appendChild(document.createTextNode(text.slice(citation.end)));
      panelText.scrollTop = Math.max(0, mark.offsetTop - panelText.clientHeight / 3);
      if (narrow.matches) panel.scrollIntoView({ block: "start" });
    } catch (error) {
      panelText.textContent = "";
      panelText.appendChild(el("p", { cls: "error", text: describeFailure(error) }));
      panelText.appendChild(el("p", { text: "Quoted: " + citation.quote }));
    }
    panelClose.focus();
  }

  panelClose.addEventListener("click", function () {
    panel.hidden = true;
    if (lastMarkerButton) lastMarkerButton.focus();
  });

  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") panelClose.click();
  });

  /* ---------- input ---------- */

  askForm.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = question.value.trim();
    if (!text || busy) return;
    question.value = "";
    send(text);
  });

  question.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      askForm.requestSubmit();
    }
  });

  question.focus();
})();
