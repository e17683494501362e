// Nexus: the few lines of our own JavaScript. Everything works without them; they
// add toasts for htmx responses, focus after swaps and copy buttons.
(function () {
  "use strict";

  var TOAST_MS = 6000;

  function toastRegion() {
    return document.getElementById("toasts");
  }

  function dismiss(toast) {
    toast.classList.add("is-leaving");
    window.setTimeout(function () {
      toast.remove();
    }, 200);
  }

  function arm(toast) {
    if (toast.dataset.armed) return;
    toast.dataset.armed = "1";
    var button = document.createElement("button");
    button.type = "button";
    button.setAttribute("aria-label", "Dismiss");
    button.textContent = "×";
    button.addEventListener("click", function () {
      dismiss(toast);
    });
    toast.appendChild(button);
    if (!toast.classList.contains("toast-error")) {
      window.setTimeout(function () {
        if (!toast.matches(":hover, :focus-within")) dismiss(toast);
      }, TOAST_MS);
    }
  }

  function showToast(level, text) {
    var region = toastRegion();
    if (!region) return;
    var toast = document.createElement("div");
    toast.className = "toast toast-" + (level || "info");
    if (level === "error") toast.setAttribute("role", "alert");
    var p = document.createElement("p");
    p.textContent = text;
    toast.appendChild(p);
    region.appendChild(toast);
    arm(toast);
  }

  window.nexusToast = showToast;

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".toast").forEach(arm);
  });

  // Messages from the server arrive in the HX-Trigger header (see
  // portfolio.middleware.HtmxMessagesMiddleware).
  document.body.addEventListener("nexus:messages", function (event) {
    (event.detail.messages || []).forEach(function (m) {
      showToast(m.level, m.text);
    });
  });

  document.body.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (status >= 500) {
      showToast("error", "Something went wrong on our side. Your text is still here; try again.");
    } else if (status === 403) {
      showToast("error", "You are not allowed to do that.");
    } else if (status === 404) {
      showToast("error", "That is no longer here. Reload the page to see what changed.");
    } else if (status === 429) {
      showToast("error", "Too many requests. Wait a moment and try again.");
    } else if (status === 413 && !event.detail.xhr.getResponseHeader("HX-Trigger")) {
      // Nexus says why in HX-Trigger; a proxy's own 413 says nothing.
      showToast("error", "That is too much to send at once. Shorten it and try again.");
    }
  });

  document.body.addEventListener("htmx:sendError", function () {
    showToast("error", "The server could not be reached. Check your connection and try again.");
  });

  // A section redrawn out of band (its footnote numbers changed with a move) is left
  // alone while an editor is open in it: the typed text matters more than a number.
  document.body.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.matches && target.matches(".journal-section.editing, .journal-section.conflict")) {
      event.detail.shouldSwap = false;
    }
  });

  // After a swap, move focus to whatever the new content marks with data-autofocus,
  // so keyboard and screen-reader users continue where the action happened.
  // After Escape cancels an editor, focus returns to what opened it (the swapped-back
  // content's first control) rather than falling to the page's body. Which swap is the
  // cancel's is read from the request that made it: a flag set on Escape was cleared
  // by the editor's own opening swap when Escape came within its settle delay.
  var lastOpener = null;
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.getAttribute && elt.getAttribute("hx-get") && !elt.hasAttribute("data-cancel")) {
      lastOpener = elt.getAttribute("hx-get");
    }
  });
  document.body.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt;
    if (!target || !target.querySelector) return;
    var wanted = target.matches("[data-autofocus]")
      ? target
      : target.querySelector("[data-autofocus]");
    var request = event.detail.requestConfig;
    var cancelled = request && request.elt && request.elt.hasAttribute &&
      request.elt.hasAttribute("data-cancel");
    if (!wanted && cancelled) {
      var opener = null;
      if (lastOpener) {
        target.querySelectorAll("[hx-get]").forEach(function (candidate) {
          if (!opener && candidate.getAttribute("hx-get") === lastOpener) opener = candidate;
        });
      }
      wanted = opener || target.querySelector("a[href], button:not([disabled])");
    }
    if (wanted) {
      if (!wanted.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(wanted.tagName)) {
        wanted.setAttribute("tabindex", "-1");
      }
      wanted.focus();
    }
  });

  // Copy buttons: <button data-copy="#input-id">. Without JavaScript the text
  // stays selectable in its read-only input.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.value || source.textContent;
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      showToast("success", "Link copied to the clipboard.");
      window.setTimeout(function () {
        button.textContent = label;
      }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {
        source.select();
      });
    } else {
      source.select();
      document.execCommand("copy");
      done();
    }
  });

  // Copy buttons stay hidden until this script can make them work.
  function reveal(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("[data-copy][hidden], .insert-buttons[hidden]").forEach(function (el) {
      el.hidden = false;
    });
  }

  // Saved replies: one click inserts the text into the comment being written.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert]");
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-insert-into"));
    if (!field) return;
    var text = button.getAttribute("data-insert");
    field.value = field.value ? field.value.replace(/\s+$/, "") + "\n\n" + text : text;
    field.focus();
  });
  document.addEventListener("DOMContentLoaded", function () {
    reveal(document);
  });
  document.body.addEventListener("htmx:load", function (event) {
    reveal(event.detail.elt);
  });

  // Suggest an address (slug) from a name until the user edits the address.
  function slugify(text) {
    return text
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60)
      .replace(/-+$/, "");
  }
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (field.matches("[data-slug-target]")) {
      field.dataset.touched = "1";
      return;
    }
    if (!field.matches("[data-slug-source]") || !field.form) return;
    var target = field.form.querySelector("[data-slug-target]");
    if (!target || target.dataset.touched || target.defaultValue) return;
    target.value = slugify(field.value);
  });

  // Editors: Ctrl/Cmd+Enter saves, Escape cancels.
  document.addEventListener("keydown", function (event) {
    var form = event.target.closest && event.target.closest("form[data-editor]");
    if (!form) return;
    // Make sure htmx has wired up freshly swapped controls before we use them.
    if (window.htmx) window.htmx.process(form.closest("section, .page-header") || form);
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      var save = form.querySelector('button[type="submit"][name="save"]') ||
        form.querySelector('button[type="submit"]');
      form.requestSubmit(save || undefined);
    } else if (event.key === "Escape") {
      var cancel = form.closest("section, .page-header").querySelector("[data-cancel]");
      if (cancel) {
        event.preventDefault();
        event.stopPropagation();
        cancel.click();
      }
    }
  });

  // Select words in a section — with the mouse, or with Shift and the arrow keys — to
  // comment on them: a button appears under the section's text (next in the Tab
  // order) and fills the section's "About these words" field.
  var quoteButton = null;
  function hideQuoteButton() {
    if (quoteButton) quoteButton.hidden = true;
  }
  function selectedQuote() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed) return null;
    var text = selection.toString().replace(/\s+/g, " ").trim();
    if (!text) return null;
    var node = selection.anchorNode && selection.anchorNode.parentElement;
    var prose = node && node.closest(".journal-section > .prose");
    var focusNode = selection.focusNode && selection.focusNode.parentElement;
    if (!prose || !focusNode || prose !== focusNode.closest(".journal-section > .prose")) return null;
    var box = prose.parentElement.querySelector("[data-comment-box]");
    if (!box || !box.querySelector("[data-quote-input]")) return null;
    return { text: text.slice(0, 500), box: box, prose: prose };
  }
  function offerQuote() {
    var found = selectedQuote();
    if (!found) return hideQuoteButton();
    if (!quoteButton) {
      quoteButton = document.createElement("button");
      quoteButton.type = "button";
      quoteButton.className = "btn btn-sm btn-primary quote-button";
      quoteButton.textContent = "Comment on selection";
      quoteButton.addEventListener("click", function () {
        var target = quoteButton.nexusQuote;
        if (!target) return;
        var composer = target.box.querySelector("details.composer");
        if (composer) composer.open = true;
        target.box.querySelector("[data-quote-input]").value = target.text;
        var input = target.box.querySelector("[data-comment-input]");
        input.focus();
        input.scrollIntoView({ block: "center", behavior: "smooth" });
        hideQuoteButton();
      });
    }
    quoteButton.nexusQuote = found;
    if (quoteButton.previousElementSibling !== found.prose) found.prose.after(quoteButton);
    quoteButton.hidden = false;
  }
  document.addEventListener("mouseup", function (event) {
    if (quoteButton && event.target === quoteButton) return;
    window.setTimeout(offerQuote, 0);
  });
  document.addEventListener("keyup", function (event) {
    if (event.shiftKey || /^(Arrow|Home|End|Page)/.test(event.key)) offerQuote();
  });

  // Close an open <details class="menu"> when clicking elsewhere or pressing Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });
})();
