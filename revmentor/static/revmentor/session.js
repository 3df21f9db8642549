// A warning before a sign-in runs out, with the choice to stay signed in (WCAG 2.2
// "Timing adjustable"). The layout gives the seconds left on the dialog; see
// revmentor/core/session_time.py. Without this script nothing warns, and nothing else
// changes: a form sent after the session ended is still not lost (core/signed_out.py).
//
// The clock is checked every second rather than with one long timer, so a computer
// that slept, or a tab the browser slowed down, is still warned when it wakes. Before
// saying anything the script asks the server: another tab may have kept the person
// signed in.
const dialog = document.querySelector("dialog[data-session-timeout]");

if (dialog) {
  const warnBefore = Number(dialog.dataset.warnBefore) * 1000;
  const warning = dialog.querySelector("[data-timeout-warning]");
  const ended = dialog.querySelector("[data-timeout-ended]");
  const at = dialog.querySelector("[data-timeout-at]");
  const token = dialog.querySelector("input[name=csrfmiddlewaretoken]").value;
  let endsAt = Date.now() + Number(dialog.dataset.sessionLeft) * 1000;
  let state = "waiting"; // then "warning", then "ended"; back to "waiting" on staying
  let busy = false;

  const clockTime = (time) =>
    new Date(time).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });

  const show = (part) => {
    warning.hidden = part !== warning;
    ended.hidden = part !== ended;
    dialog.setAttribute("aria-labelledby", part.querySelector("h2").id);
    if (!dialog.open) {
      dialog.showModal();
    }
  };

  // The server's answer: {signed_in, seconds_left}; null if it could not be asked.
  const ask = async (url, options = {}) => {
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json", ...options.headers },
        ...options,
      });
      if (response.status === 401) {
        return { signed_in: false, seconds_left: null };
      }
      if (!response.ok || response.redirected) {
        return null;
      }
      return await response.json();
    } catch {
      return null;
    }
  };

  // Take the server's word for how long is left: back to waiting if it is long enough.
  const adopt = (answer) => {
    endsAt = Date.now() + answer.seconds_left * 1000;
    if (endsAt - Date.now() > warnBefore) {
      state = "waiting";
      if (dialog.open) {
        dialog.close();
      }
      return true;
    }
    return false;
  };

  const signedIn = (answer) =>
    answer && answer.signed_in && typeof answer.seconds_left === "number";

  // While the warning shows, the server is asked again now and then: staying signed in
  // in another tab closes the warning here too.
  let askedAt = 0;
  const check = async () => {
    const left = endsAt - Date.now();
    const due =
      (state === "waiting" && left <= warnBefore) ||
      (state === "warning" && (left <= 0 || Date.now() - askedAt >= 30_000));
    if (!due || busy) {
      return;
    }
    busy = true;
    askedAt = Date.now();
    const answer = await ask(dialog.dataset.statusUrl);
    busy = false;
    if (answer === null) {
      return; // asked again in a second
    }
    if (!answer.signed_in) {
      state = "ended";
      show(ended);
    } else if (signedIn(answer) && !adopt(answer) && answer.seconds_left > 0) {
      state = "warning";
      at.textContent = clockTime(endsAt);
      show(warning);
    }
  };

  const stay = async () => {
    busy = true;
    const body = new FormData();
    body.append("csrfmiddlewaretoken", token);
    let answer = await ask(dialog.dataset.extendUrl, { method: "POST", body });
    if (answer === null) {
      // Refused (signing in again in another tab changes the form's CSRF token): that
      // tab's sign-in is this tab's too, so take its time if it has been renewed.
      answer = await ask(dialog.dataset.statusUrl);
    }
    busy = false;
    if (signedIn(answer)) {
      adopt(answer);
    } else if (answer && !answer.signed_in) {
      state = "ended";
      show(ended);
    }
  };

  dialog.querySelector("[data-timeout-stay]").addEventListener("click", stay);
  dialog.querySelector("[data-timeout-close]")?.addEventListener("click", () => dialog.close());
  // Escape while warned means "stay signed in", as closing the warning does elsewhere.
  dialog.addEventListener("cancel", (event) => {
    if (state === "warning") {
      event.preventDefault();
      stay();
    }
  });
  setInterval(check, 1000);
}
