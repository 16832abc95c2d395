/* Safeguard Panel: the session timeout warning (GOV.UK / HMRC timeout-warning pattern).

   The server signs a person out after SESSION_IDLE_TIMEOUT seconds without activity, and
   SESSION_COOKIE_AGE seconds after signing in (panel/sessions.py). base.html gives this
   script the seconds left of each, as of the page's request, on the <dialog id=
   "session-timeout">. The warning opens data-warning seconds before the first limit:

   - "Stay signed in" (or Escape) posts to the keep-alive URL with fetch, so the page is
     not reloaded and anything typed in a form is still there, and starts the clock again;
   - "Sign out" is an ordinary form post;
   - when the time runs out the browser goes to the sign-in page, where the server says
     why the person was signed out.

   When the 8-hour maximum comes first nothing can extend it: the dialog says so and offers
   "Continue" instead. htmx requests the person makes count as activity: their responses
   carry the seconds left (X-Session-Idle-Seconds), which restart the clock here. */
(function () {
  "use strict";

  var dialog = document.getElementById("session-timeout");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var warningSeconds = parseInt(dialog.getAttribute("data-warning"), 10) || 120;
  var keepAliveUrl = dialog.getAttribute("data-keep-alive-url");
  var signInUrl = dialog.getAttribute("data-sign-in-url");
  var countdown = dialog.querySelector("[data-countdown]");
  var spoken = dialog.querySelector("[data-countdown-spoken]");
  var stay = dialog.querySelector("[data-stay]");
  var carryOn = dialog.querySelector("[data-continue]");
  var csrf = dialog.querySelector("input[name=csrfmiddlewaretoken]");

  var deadline = 0; // when the server will sign the person out (ms since the epoch)
  var maximumFirst = false;
  var warnTimer = null;
  var endTimer = null;
  var ticker = null;
  var lastSpoken = null;
  var returnFocusTo = null;
  var leaving = false;

  function describe(seconds) {
    if (seconds >= 60) {
      var minutes = Math.ceil(seconds / 60);
      return minutes + (minutes === 1 ? " minute" : " minutes");
    }
    return seconds + (seconds === 1 ? " second" : " seconds");
  }

  function secondsLeft() {
    return Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
  }

  function schedule(idle, maximum) {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    var seconds = Math.min(idle, maximum);
    maximumFirst = maximum <= idle;
    deadline = Date.now() + seconds * 1000;
    warnTimer = window.setTimeout(open, Math.max(0, seconds - warningSeconds) * 1000);
    // A second late, so the server is sure to find the session over.
    endTimer = window.setTimeout(signedOut, (seconds + 1) * 1000);
  }

  function showReason() {
    var parts = dialog.querySelectorAll("[data-reason]");
    for (var i = 0; i < parts.length; i++) {
      parts[i].hidden = parts[i].getAttribute("data-reason") !== (maximumFirst ? "maximum" : "idle");
    }
  }

  function updateCountdown() {
    var seconds = secondsLeft();
    var text = describe(seconds);
    countdown.textContent = text;
    // Said when it first opens, then each whole minute and at 30 seconds, not every second.
    var sayNow = lastSpoken === null || (seconds % 60 === 0 && seconds > 0) || seconds === 30;
    if (sayNow && text !== lastSpoken) {
      spoken.textContent = "We will sign you out in " + text + ".";
      lastSpoken = text;
    }
    if (seconds <= 0) {
      signedOut();
    }
  }

  function open() {
    if (dialog.open || leaving) {
      return;
    }
    returnFocusTo = document.activeElement;
    lastSpoken = null;
    showReason();
    updateCountdown();
    dialog.showModal();
    // Focus on the dialog itself, so its heading and message are read first.
    dialog.setAttribute("tabindex", "-1");
    dialog.focus();
    ticker = window.setInterval(updateCountdown, 1000);
  }

  function close() {
    window.clearInterval(ticker);
    if (dialog.open) {
      dialog.close();
    }
    if (returnFocusTo && typeof returnFocusTo.focus === "function") {
      returnFocusTo.focus();
    }
  }

  function signedOut() {
    if (leaving) {
      return;
    }
    leaving = true;
    window.clearInterval(ticker);
    var here = window.location.pathname + window.location.search;
    window.location.assign(signInUrl + "?next=" + encodeURIComponent(here));
  }

  function staySignedIn() {
    if (maximumFirst) {
      close();
      return;
    }
    stay.disabled = true;
    window
      .fetch(keepAliveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf ? csrf.value : "", Accept: "application/json" },
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("signed out");
        }
        return response.json();
      })
      .then(function (left) {
        stay.disabled = false;
        close();
        schedule(left.idle_seconds, left.maximum_seconds);
      })
      .catch(signedOut);
  }

  // Tab and Shift+Tab go round the dialog's own buttons. A modal <dialog> makes the page
  // behind inert, but Tab past its last button would leave for the browser's own controls.
  dialog.addEventListener("keydown", function (event) {
    if (event.key !== "Tab") {
      return;
    }
    var buttons = Array.prototype.filter.call(dialog.querySelectorAll("button"), function (b) {
      return !b.hidden && !b.disabled;
    });
    if (!buttons.length) {
      return;
    }
    var first = buttons[0];
    var last = buttons[buttons.length - 1];
    var here = document.activeElement;
    if (event.shiftKey && (here === first || here === dialog)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (here === last || here === dialog)) {
      event.preventDefault();
      first.focus();
    }
  });

  stay.addEventListener("click", staySignedIn);
  carryOn.addEventListener("click", close);
  // Escape closes a native modal dialog: here it means "Stay signed in".
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();
    staySignedIn();
  });

  // A request the person made through htmx restarted the server's clock.
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (!xhr || dialog.open) {
      return;
    }
    var idle = parseInt(xhr.getResponseHeader("X-Session-Idle-Seconds"), 10);
    var maximum = parseInt(xhr.getResponseHeader("X-Session-Maximum-Seconds"), 10);
    if (!isNaN(idle) && !isNaN(maximum)) {
      schedule(idle, maximum);
    }
  });

  // Timers in a hidden tab may run late: look again when the person comes back.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") {
      return;
    }
    var seconds = secondsLeft();
    if (seconds <= 0) {
      signedOut();
    } else if (seconds <= warningSeconds) {
      open();
    }
  });

  schedule(
    parseInt(dialog.getAttribute("data-idle"), 10),
    parseInt(dialog.getAttribute("data-maximum"), 10)
  );
})();
