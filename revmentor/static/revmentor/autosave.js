// Save a form's notes as people type: each changed field is posted on its own a
// moment after typing stops. Without JavaScript the Save button does the same job.
//
// "Saved" shows only when no field has a save waiting or on its way and none failed,
// so nobody leaves the page believing a slow save has arrived. A save counts only when
// the server answers {"saved": true}: someone signed out is answered 401, and anything
// else (a sign-in page after a redirect, say) is not a save either.
for (const form of document.querySelectorAll("form[data-autosave]")) {
  const status = form.querySelector("[data-autosave-status]");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const timers = new Map();
  const pending = new Map(); // field name -> number of saves waiting or in flight
  const failed = new Set(); // field names whose latest save failed
  let offline = false;
  let signedOut = false;

  const show = () => {
    const busy = [...pending.values()].some((count) => count > 0);
    if (busy) {
      status.textContent = "Saving…";
    } else if (failed.size && signedOut) {
      status.textContent =
        "Not saved: you have been signed out. Press Save notes, then sign in again: your notes will be kept";
    } else if (failed.size) {
      status.textContent = offline
        ? "Not saved: check your connection, then press Save notes"
        : "Not saved: press Save notes";
    } else {
      status.textContent = "Saved";
    }
  };
  const settle = (field, ok, networkError = false) => {
    pending.set(field.name, pending.get(field.name) - 1);
    if (ok) {
      failed.delete(field.name);
    } else {
      failed.add(field.name);
      offline = networkError;
    }
    show();
  };
  const save = async (field) => {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", token);
    body.append(field.name, field.value);
    try {
      const response = await fetch(form.action || window.location.href, {
        method: "POST",
        body,
        headers: { "X-Autosave": "1" },
        credentials: "same-origin",
      });
      signedOut = response.status === 401;
      let saved = false;
      if (response.ok && !response.redirected) {
        saved = await response.json().then((answer) => answer.saved === true, () => false);
      }
      settle(field, saved);
    } catch {
      signedOut = false;
      settle(field, false, true);
    }
  };
  for (const field of form.querySelectorAll("[data-autosave-field]")) {
    field.addEventListener("input", () => {
      if (!timers.has(field) || timers.get(field) === null) {
        pending.set(field.name, (pending.get(field.name) || 0) + 1);
      }
      clearTimeout(timers.get(field));
      timers.set(
        field,
        setTimeout(() => {
          timers.set(field, null);
          save(field);
        }, 800),
      );
      show();
    });
  }
}
