// Nexus drafts: an open section editor keeps its text as a server draft after each
// pause in typing, when a field loses focus and when the page goes away; a copy stays
// in this browser (localStorage) until the section is saved, so a dropped network plus
// a closed tab loses nothing. The status line says "Draft saved 14:02" only once the
// server answered with the stored draft. Open editors report in every ~20 s to show
// who else is editing. A session that ended mid-edit asks the person to sign in again
// (in a new tab) and then sends what it kept. Without JavaScript the editor's
// "Save draft" button does the server part.
(function () {
  "use strict";

  var IDLE_MS = 2000;
  var PREFIX = "nexus:draft:";
  var KEEP_DAYS = 30;
  var active = [];

  // -- this browser's copy --------------------------------------------------------

  function localKey(section, base) {
    return PREFIX + section + ":" + base;
  }

  function readLocal(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }

  function writeLocal(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
      return true;
    } catch (e) {
      return false; // storage full or refused: the server copy still counts
    }
  }

  function localKeys(section) {
    var keys = [];
    try {
      for (var i = 0; i < window.localStorage.length; i++) {
        var key = window.localStorage.key(i);
        if (key && key.indexOf(PREFIX + (section ? section + ":" : "")) === 0) keys.push(key);
      }
    } catch (e) {
      /* storage refused */
    }
    return keys;
  }

  function clearLocal(section) {
    localKeys(section).forEach(function (key) {
      try {
        window.localStorage.removeItem(key);
      } catch (e) {
        /* storage refused */
      }
    });
  }

  // -- the form token -------------------------------------------------------------

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function setCsrfToken(token) {
    document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": token }));
    document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) {
      input.value = token;
    });
  }

  var urls = { session: "/account/session/", login: "/accounts/login/" };

  function askSession() {
    return fetch(urls.session, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.json();
    });
  }

  // -- "your session has ended" ---------------------------------------------------

  var signin = null;
  var afterSignin = [];

  function whenSignedIn(action) {
    afterSignin.push(action);
    if (signin) return;
    signin = document.createElement("dialog");
    signin.className = "dialog signin-dialog";
    signin.setAttribute("aria-labelledby", "signin-title");
    var next = encodeURIComponent(urls.signedIn || "/");
    signin.innerHTML =
      '<h2 id="signin-title">Your session has ended</h2>' +
      "<p>Nothing is lost: your text is kept in this browser. Sign in again in a new " +
      "tab, then come back here — your work is saved as soon as you are signed in.</p>" +
      '<div class="actions">' +
      '<a class="btn btn-primary" target="_blank" rel="opener" href="' + urls.login + '?next=' +
      next +
      '">Sign in again<span class="visually-hidden"> (opens a new tab)</span></a>' +
      '<button class="btn btn-ghost" type="button" data-signin-close>Not now</button>' +
      "</div>" +
      '<p class="muted small" role="status" data-signin-status></p>';
    document.body.appendChild(signin);
    signin.querySelector("[data-signin-close]").addEventListener("click", function () {
      signin.close();
    });
    if (signin.showModal) signin.showModal();
    else signin.setAttribute("open", "");
    var poll = window.setInterval(check, 2000);
    window.addEventListener("focus", check);

    function check() {
      askSession().then(function (state) {
        if (!state.signed_in) return;
        window.clearInterval(poll);
        window.removeEventListener("focus", check);
        setCsrfToken(state.csrf);
        var done = signin;
        signin = null;
        if (done.open) done.close();
        done.remove();
        var actions = afterSignin;
        afterSignin = [];
        actions.forEach(function (action) {
          action();
        });
      }, function () {
        /* offline: the next tick asks again */
      });
    }
  }

  // -- an open editor ------------------------------------------------------------

  function randomToken() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function Editor(form) {
    this.form = form;
    this.section = form.dataset.section;
    this.label = form.dataset.label || "";
    this.token = randomToken();
    ["session", "login", "signedIn"].forEach(function (name) {
      if (form.dataset[name]) urls[name] = form.dataset[name];
    });
    this.status = form.querySelector("[data-draft-status]");
    this.note = form.querySelector("[data-editing-note]");
    this.timer = null;
    this.sending = false;
    this.closed = false;
    if (form.elements.editor) form.elements.editor.value = this.token;
    this.saved = this.snapshot();
    this.state = "";
    var self = this;
    form.addEventListener("input", function () {
      self.keepLocally();
      window.clearTimeout(self.timer);
      self.timer = window.setTimeout(function () {
        self.send();
      }, IDLE_MS);
    });
    form.addEventListener("focusout", function (event) {
      if (event.target.matches("textarea, input[type=text]")) self.send();
    });
    var draftButton = form.querySelector("[data-save-draft]");
    if (draftButton) {
      draftButton.addEventListener("click", function (event) {
        event.preventDefault();
        self.send(true);
      });
    }
    var heartbeat = parseInt(form.dataset.heartbeat || "20", 10) * 1000;
    this.beat = window.setInterval(function () {
      self.reportIn();
    }, heartbeat);
    this.reportIn();
  }

  Editor.prototype.fields = function () {
    var elements = this.form.elements;
    return {
      heading: elements.heading ? elements.heading.value : "",
      body: elements.body ? elements.body.value : "",
      version: elements.version ? elements.version.value : "",
    };
  };

  Editor.prototype.snapshot = function () {
    var f = this.fields();
    return f.heading + "\u0000" + f.body;
  };

  Editor.prototype.dirty = function () {
    return this.snapshot() !== this.saved;
  };

  Editor.prototype.alive = function () {
    return !this.closed && document.body.contains(this.form);
  };

  Editor.prototype.say = function (state, text) {
    // role=status announces each change politely; the same state is not repeated.
    if (!this.status || this.state === state + text) return;
    this.state = state + text;
    this.status.textContent = text;
    this.status.dataset.state = state;
  };

  Editor.prototype.keepLocally = function () {
    var f = this.fields();
    writeLocal(localKey(this.section, f.version), {
      heading: f.heading,
      body: f.body,
      at: Date.now(),
      label: this.label,
      page: window.location.pathname,
    });
  };

  Editor.prototype.payload = function () {
    var data = new FormData(this.form);
    data.set("format", "json");
    data.set("csrfmiddlewaretoken", csrfToken() || data.get("csrfmiddlewaretoken"));
    return data;
  };

  Editor.prototype.send = function (force) {
    var self = this;
    window.clearTimeout(this.timer);
    if (!this.alive() || this.sending || this.submitting || (!force && !this.dirty())) return;
    var sent = this.snapshot();
    this.sending = true;
    this.say("saving", "Saving draft…");
    fetch(this.form.dataset.draft, {
      method: "POST",
      body: this.payload(),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (answer) {
            self.sending = false;
            if (response.ok && answer.saved_at) {
              self.saved = sent;
              self.say("saved", "Draft saved " + answer.time + ". Only you can see it.");
              self.showEditing(answer.editing);
              if (self.dirty()) self.send();
            } else if (response.status === 401) {
              self.say("signed-out", "Not saved — your session has ended. Kept in this browser.");
              whenSignedIn(function () {
                self.send(true);
              });
            } else if (response.status === 403) {
              self.refreshToken();
            } else {
              self.say("error", "Not saved — " + (answer.detail || "the server refused it.") + " Kept in this browser.");
            }
          });
      })
      .catch(function () {
        self.sending = false;
        self.say("offline", "Not saved — offline, kept in this browser.");
      });
  };

  Editor.prototype.refreshToken = function () {
    // A 403 is the form token: signing in elsewhere gave this browser a new one.
    var self = this;
    askSession().then(function (state) {
      if (!state.signed_in) {
        self.say("signed-out", "Not saved — your session has ended. Kept in this browser.");
        whenSignedIn(function () {
          self.send(true);
        });
        return;
      }
      if (state.csrf && state.csrf !== csrfToken()) {
        setCsrfToken(state.csrf);
        self.send(true);
      } else {
        self.say("error", "Not saved — the server refused it. Kept in this browser.");
      }
    }, function () {
      self.say("offline", "Not saved — offline, kept in this browser.");
    });
  };

  Editor.prototype.beacon = function () {
    // The page is going away: hand the text to the browser to deliver, and say this
    // editor is gone, so nobody is told about it for another minute.
    if (!this.alive() || !navigator.sendBeacon) return;
    if (this.dirty()) {
      this.keepLocally();
      navigator.sendBeacon(this.form.dataset.draft, this.payload());
    }
    var left = new FormData();
    left.set("editor", this.token);
    left.set("left", "1");
    left.set("csrfmiddlewaretoken", csrfToken());
    navigator.sendBeacon(this.form.dataset.editing, left);
  };

  Editor.prototype.reportIn = function () {
    var self = this;
    if (!this.alive()) return this.close();
    var data = new FormData();
    data.set("editor", this.token);
    data.set("csrfmiddlewaretoken", csrfToken());
    fetch(this.form.dataset.editing, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        if (answer) self.showEditing(answer.editing);
      })
      .catch(function () {
        /* offline: "who is editing" simply shows nothing new */
      });
  };

  Editor.prototype.showEditing = function (text) {
    if (!this.note) return;
    this.note.textContent = text || "";
    this.note.hidden = !text;
  };

  Editor.prototype.close = function () {
    this.closed = true;
    window.clearTimeout(this.timer);
    window.clearInterval(this.beat);
    active = active.filter(function (editor) {
      return editor !== this;
    }, this);
  };

  Editor.prototype.discard = function () {
    // Cancel: the draft goes with the editor, here and on the server.
    clearLocal(this.section);
    var data = new FormData();
    data.set("editor", this.token);
    data.set("format", "json");
    data.set("csrfmiddlewaretoken", csrfToken());
    fetch(this.form.dataset.discard, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      keepalive: true,
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    }).catch(function () {
      /* offline: the server's draft stays, and the notice offers it later */
    });
    this.close();
  };

  function editorFor(element) {
    for (var i = 0; i < active.length; i++) {
      if (active[i].form === element || active[i].form.contains(element)) return active[i];
    }
    return null;
  }

  function setUp(root) {
    var forms = root.matches && root.matches("form[data-draft]") ? [root] : [];
    if (root.querySelectorAll) {
      root.querySelectorAll("form[data-draft]").forEach(function (form) {
        forms.push(form);
      });
    }
    forms.forEach(function (form) {
      if (form.dataset.draftsReady) return;
      form.dataset.draftsReady = "1";
      var editor = new Editor(form);
      active.push(editor);
      var pending = resuming[editor.section];
      if (pending) {
        delete resuming[editor.section];
        fill(editor, pending);
      }
    });
  }

  function fill(editor, local) {
    var elements = editor.form.elements;
    if (elements.heading && local.heading) elements.heading.value = local.heading;
    if (elements.body) elements.body.value = local.body;
    editor.keepLocally();
    editor.send(true);
  }

  // -- recovery of this browser's copies --------------------------------------------

  var resuming = {};

  function sectionElement(pk) {
    return document.querySelector('.journal-section[data-section="' + pk + '"]');
  }

  function offerLocalDrafts() {
    var notice = document.querySelector("[data-drafts]");
    if (!notice) return;
    var list = notice.querySelector(".draft-list");
    var horizon = Date.now() - KEEP_DAYS * 24 * 3600 * 1000;
    localKeys("").forEach(function (key) {
      var local = readLocal(key);
      var parts = key.slice(PREFIX.length).split(":");
      var pk = parts[0];
      var base = parts[1];
      if (!local || local.at < horizon) {
        try {
          window.localStorage.removeItem(key);
        } catch (e) {
          /* refused */
        }
        return;
      }
      var element = sectionElement(pk);
      if (!element || editorFor(element)) return;
      var server = notice.querySelector('[data-draft-section="' + pk + '"]');
      if (server && parseInt(server.dataset.saved, 10) * 1000 >= local.at - 1000) {
        window.localStorage.removeItem(key); // the server's copy is as new
        return;
      }
      if (server) server.remove();
      list.appendChild(localItem(element, pk, base, local, key));
    });
    notice.hidden = !list.querySelector("li");
  }

  function localItem(element, pk, base, local, key) {
    var item = document.createElement("li");
    item.className = "draft-item";
    item.dataset.localDraft = pk;
    var when = new Date(local.at);
    var clock = ("0" + when.getHours()).slice(-2) + ":" + ("0" + when.getMinutes()).slice(-2);
    var text = document.createElement("p");
    text.textContent =
      "You have unsaved changes to “" + (local.label || "a section") + "” kept in this browser from " +
      when.toLocaleDateString(undefined, { day: "numeric", month: "short" }) + " " + clock + ".";
    var actions = document.createElement("div");
    actions.className = "actions";
    var resume = document.createElement("button");
    resume.type = "button";
    resume.className = "btn btn-sm btn-primary";
    resume.textContent = "Resume editing";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "btn btn-sm btn-ghost";
    discard.textContent = "Discard";
    actions.appendChild(resume);
    actions.appendChild(discard);
    item.appendChild(text);
    item.appendChild(actions);
    resume.addEventListener("click", function () {
      var current = element.dataset.version;
      var edit = element.dataset.edit;
      removeItem(item);
      if (String(current) === String(base)) {
        // Nothing saved since: open the editor and put the kept text back.
        resuming[pk] = local;
        window.htmx.ajax("GET", edit, { target: element, swap: "outerHTML" });
      } else {
        // Saved since: the server's "both versions" view, never an overwrite.
        var values = { version: base, body: local.body, save: "1" };
        if (local.heading) values.heading = local.heading;
        window.htmx.ajax("POST", edit, { target: element, swap: "outerHTML", values: values });
      }
    });
    discard.addEventListener("click", function () {
      try {
        window.localStorage.removeItem(key);
      } catch (e) {
        /* refused */
      }
      removeItem(item);
    });
    return item;
  }

  function removeItem(item) {
    var notice = item.closest("[data-drafts]");
    item.remove();
    if (notice && !notice.querySelector("li")) notice.hidden = true;
  }

  // -- wiring ------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", function () {
    setUp(document);
    offerLocalDrafts();
  });

  document.body.addEventListener("htmx:load", function (event) {
    setUp(event.detail.elt);
  });

  // A resumed server draft leaves the notice.
  document.addEventListener("click", function (event) {
    var resume = event.target.closest && event.target.closest("[data-drafts] [hx-get]");
    if (resume) removeItem(resume.closest("li"));
    var cancel = event.target.closest && event.target.closest("[data-cancel]");
    var editor = cancel && editorFor(cancel);
    if (editor) editor.discard();
  });

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var editor = editorFor(event.detail.elt);
    if (!editor || event.detail.elt !== editor.form) return;
    // Saving: no draft may arrive after the save and outlive it.
    window.clearTimeout(editor.timer);
    editor.submitting = true;
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    // A save swaps the form out: htmx then fires this event again on a parent still
    // in the page, with detail.elt set to that parent. The request's own element is
    // still the form.
    var config = event.detail.requestConfig;
    var elt = (config && config.elt) || event.detail.elt;
    var editor = editorFor(elt);
    if (!editor || elt !== editor.form) return;
    editor.submitting = false;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (event.detail.successful && status < 300) {
      // Saved: the section is the server's now; this browser's copy goes.
      clearLocal(editor.section);
      editor.close();
    } else if (status === 401) {
      editor.keepLocally();
      editor.say("signed-out", "Not saved — your session has ended. Kept in this browser.");
      var form = editor.form;
      whenSignedIn(function () {
        if (!document.body.contains(form)) return;
        var save = form.querySelector("button[name=save]");
        if (form.requestSubmit) form.requestSubmit(save || undefined);
        else window.htmx.trigger(form, "submit");
      });
    } else if (!status) {
      editor.keepLocally();
      editor.say("offline", "Not saved — offline, kept in this browser.");
    }
  });

  window.addEventListener("pagehide", function () {
    active.forEach(function (editor) {
      editor.beacon();
    });
  });

  window.addEventListener("online", function () {
    active.forEach(function (editor) {
      editor.send();
    });
  });
})();
