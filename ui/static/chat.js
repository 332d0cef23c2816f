/* Citations a person can follow, and copies without markup. Served by the app at /chat.js
   (script-src 'self': no inline code, no eval). Loaded by the chat page (HEAD) and by /embed.js.

   - click or Enter on [n] in an answer: the sources panel shows *that answer's* sources (each
     answer carries its own cards, hidden, in .answer-sources), scrolls to card n and flashes it;
   - hover or focus on [n]: a tooltip with the quoted sentence, the title and the date;
   - "Copy message": the clipboard gets the answer as a person reads it ([n] markers, a plain
     source list), not the markdown/HTML it is written in. */
(function () {
  "use strict";
  if (window.__ragChat) { return; }
  window.__ragChat = true;

  function cite(ev) {
    var t = ev.target;
    return t && t.closest ? t.closest("sup.cite") : null;
  }
  // The chat's sanitiser drops data-* attributes: a card says its number in its class (n1, n2…).
  function number(sup) { return (sup.textContent.match(/\d+/) || [""])[0]; }
  function scope(el) { return el.closest("gradio-app") || document; }
  function bubble(el) { return el.closest("[data-testid='bot'], .message"); }
  function cardsOf(sup) {
    var b = bubble(sup);
    return b ? b.querySelector(".answer-sources") : null;
  }

  function showSources(sup) {
    var cards = cardsOf(sup);
    var panel = scope(sup).querySelector("#sources");
    if (!panel) { return; }
    var box = panel.querySelector(".prose, .md") || panel;
    if (cards && cards.innerHTML !== box.innerHTML) {
      box.replaceChildren.apply(box, Array.prototype.map.call(cards.childNodes, function (n) { return n.cloneNode(true); }));
    }
    var card = box.querySelector(".src-card.n" + number(sup));
    if (!card) { return; }
    card.scrollIntoView({ block: "nearest", behavior: "smooth" });
    card.classList.remove("flash");
    void card.offsetWidth;  // restart the animation on a second click
    card.classList.add("flash");
  }

  var tip = null;
  function hideTip() { if (tip) { tip.remove(); tip = null; } }
  function showTip(sup) {
    hideTip();
    var cards = cardsOf(sup);
    var card = cards && cards.querySelector(".src-card.n" + number(sup));
    if (!card) { return; }
    tip = document.createElement("div");
    tip.className = "cite-tip";
    // Styled here, not in the app's CSS: on a host page the tooltip lives outside the widget.
    tip.style.cssText = "position:absolute;z-index:10000;max-width:360px;padding:.55rem .7rem;border-radius:.5rem;" +
      "background:#1e293b;color:#f8fafc;font:13px/1.45 system-ui,sans-serif;box-shadow:0 4px 14px rgba(0,0,0,.25)";
    tip.setAttribute("role", "tooltip");
    var q = document.createElement("div");
    q.className = "cite-tip-quote";
    var mark = card.querySelector("mark");
    q.textContent = "“" + (mark ? mark.textContent.trim() : "") + "”";
    var meta = document.createElement("div");
    meta.className = "cite-tip-meta";
    meta.style.cssText = "margin-top:.3rem;color:#cbd5e1;font-size:12px";
    var title = card.querySelector(".src-title");
    var when = card.querySelector(".src-meta");
    meta.textContent = (title ? title.textContent : "") + (when ? " — " + when.textContent.split(" · ")[0] : "");
    tip.appendChild(q);
    tip.appendChild(meta);
    var r = sup.getBoundingClientRect();
    tip.style.left = Math.max(8, Math.min(r.left + window.scrollX, window.innerWidth - 380)) + "px";
    tip.style.top = (r.bottom + window.scrollY + 6) + "px";
    document.body.appendChild(tip);
  }

  function plainText(b) {
    var copy = b.cloneNode(true);
    copy.querySelectorAll(".answer-sources, button, .message-buttons, svg").forEach(function (n) { n.remove(); });
    copy.querySelectorAll("li").forEach(function (li) { li.insertBefore(document.createTextNode("- "), li.firstChild); });
    copy.querySelectorAll("p, li, div, br").forEach(function (n) { n.appendChild(document.createTextNode("\n")); });
    return copy.textContent.replace(/[ \t]+\n/g, "\n").replace(/\n{3,}/g, "\n\n").trim();
  }

  document.addEventListener("click", function (ev) {
    var sup = cite(ev);
    if (sup) { showSources(sup); return; }
    var btn = ev.target && ev.target.closest ? ev.target.closest("button") : null;
    var label = btn ? (btn.getAttribute("aria-label") || btn.getAttribute("title") || "") : "";
    if (!btn || !/^copy message$/i.test(label)) { return; }
    // Gradio puts a message's buttons right after its row.
    var bar = btn.closest(".message-buttons");
    var row = bar ? bar.previousElementSibling : null;
    var b = row ? row.querySelector("[data-testid='bot']") : null;
    if (!b || !b.querySelector(".answer-sources")) { return; }  // not an answer with sources: Gradio's copy
    ev.stopImmediatePropagation();
    ev.preventDefault();
    if (navigator.clipboard) { navigator.clipboard.writeText(plainText(b)); }
  }, true);

  document.addEventListener("keydown", function (ev) {
    var sup = cite(ev);
    if (sup && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); showSources(sup); }
  });
  // Hidden when the pointer reaches something else (not on mouseout: a re-render under a still
  // pointer would hide it while the person is still reading).
  document.addEventListener("mouseover", function (ev) {
    var s = cite(ev);
    if (s) { showTip(s); } else if (tip && !tip.contains(ev.target)) { hideTip(); }
  });
  document.addEventListener("focusin", function (ev) { var s = cite(ev); if (s) { showTip(s); } });
  document.addEventListener("focusout", function (ev) { if (cite(ev)) { hideTip(); } });
})();
