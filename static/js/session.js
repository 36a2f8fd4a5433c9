// The idle-session warning (tracker/middleware.py signs the session out on the server).
// <body data-session-url="…" data-session-warning="60" data-session-left="1800"
//       data-login-url="…">: a minute before the session ends the dialog asks whether to
// stay signed in; its button posts to the session URL, which counts as activity. When the
// time is up the page asks the server (without counting as activity) whether another tab
// kept the session alive, and otherwise goes to the login page, which says why.
(function () {
  "use strict";

  var body = document.body;
  var url = body.getAttribute("data-session-url");
  var dialog = document.getElementById("session-dialog");
  if (!url || !dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var warning = parseInt(body.getAttribute("data-session-warning"), 10) * 1000;
  var loginUrl = body.getAttribute("data-login-url");
  var countdown = dialog.querySelector("[data-session-countdown]");
  var form = dialog.querySelector("form");
  var endsAt = 0;
  var timer = null;
  // Set once the server has confirmed (without counting it as activity) that the session
  // ends within the warning time: another tab may have kept it alive meanwhile.
  var confirmed = false;

  function schedule(secondsLeft) {
    endsAt = Date.now() + secondsLeft * 1000;
    tick();
  }

  function tick() {
    window.clearTimeout(timer);
    var left = endsAt - Date.now();
    if (left <= 0) {
      check();
      return;
    }
    if (left <= warning) {
      if (!confirmed) {
        confirmed = true;
        check();
        return;
      }
      countdown.textContent = String(Math.ceil(left / 1000));
      if (!dialog.open) {
        dialog.showModal();
      }
      timer = window.setTimeout(tick, 1000);
    } else {
      confirmed = false;
      if (dialog.open) {
        dialog.close();
      }
      timer = window.setTimeout(tick, Math.min(left - warning, 60000));
    }
  }

  function signedOut() {
    var next = window.location.pathname + window.location.search;
    window.location.assign(loginUrl + "?next=" + encodeURIComponent(next));
  }

  function handle(response) {
    return response.json().then(function (data) {
      if (!data.signed_in || data.seconds_left <= 0) {
        signedOut();
      } else {
        schedule(data.seconds_left);
      }
    });
  }

  function check() {
    fetch(url, { headers: { "X-Session-Passive": "1", Accept: "application/json" }, credentials: "same-origin" })
      .then(handle)
      .catch(function () {
        timer = window.setTimeout(check, 10000);
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(handle)
      .catch(signedOut);
  });

  schedule(parseInt(body.getAttribute("data-session-left"), 10));
})();
