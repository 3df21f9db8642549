// Save a form's notes as people type: each changed field is posted on its own a
// moment after typing stops. Without JavaScript the Save button does the same job.
for (const form of document.querySelectorAll("form[data-autosave]")) {
  const status = form.querySelector("[data-autosave-status]");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const timers = new Map();
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
      status.textContent = response.ok ? "Saved" : "Not saved: press Save notes";
    } catch {
      status.textContent = "Not saved: check your connection, then press Save notes";
    }
  };
  for (const field of form.querySelectorAll("[data-autosave-field]")) {
    field.addEventListener("input", () => {
      status.textContent = "Saving…";
      clearTimeout(timers.get(field));
      timers.set(field, setTimeout(() => save(field), 800));
    });
  }
}
