// Charts the task worker is still drawing show as boxes. Every few seconds, ask the page
// again and put each chart that is now drawn in its box's place; once none is left, say
// so in the live region. Without this script the page says to reload it. Gives up after
// ten minutes (the page then says the same on a reload).
const status = document.getElementById("charts-status");
const EVERY_MS = 3000;
const GIVE_UP_AFTER_MS = 10 * 60 * 1000;
const started = Date.now();

const waiting = () => document.querySelectorAll("img.chart[data-chart-waiting]");

async function check() {
  try {
    const response = await fetch(window.location.href, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (!response.ok || response.redirected) return; // signed out, or gone: reload says
    // Without its style sheets: the page's policy allows only this response's own.
    const text = (await response.text()).replace(/<style\b[\s\S]*?<\/style>/g, "");
    const page = new DOMParser().parseFromString(text, "text/html");
    for (const box of waiting()) {
      const drawn = page.querySelector(
        `img.chart[data-chart="${CSS.escape(box.dataset.chart)}"]:not([data-chart-waiting])`,
      );
      if (drawn) box.replaceWith(document.importNode(drawn, true));
    }
  } catch {
    // offline for a moment: ask again next time
  }
  if (waiting().length === 0) {
    status.textContent = "";
    const done = document.createElement("p");
    done.className = "nhsuk-body-s";
    done.textContent = "All the charts are drawn.";
    status.append(done);
  } else if (Date.now() - started < GIVE_UP_AFTER_MS) {
    window.setTimeout(check, EVERY_MS);
  }
}

if (status && waiting().length > 0) {
  window.setTimeout(check, EVERY_MS);
}
