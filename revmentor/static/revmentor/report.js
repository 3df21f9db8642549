// While the report PDF is on its way, ask the page again every few seconds and show
// what it says (a live region reads out the change). Without this script the page has a
// "Check again" link; it stops asking once the report is made, has failed, or after
// ten minutes, when the page says it is taking too long.
const region = document.getElementById("report-status");
const EVERY_MS = 3000;
const GIVE_UP_AFTER_MS = 10 * 60 * 1000;
const started = Date.now();

function onItsWay(element) {
  const state = element.querySelector("[data-report-state]");
  return state !== null && ["waiting", "making"].includes(state.dataset.reportState);
}

async function check() {
  let fresh;
  try {
    const response = await fetch(window.location.pathname, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (!response.ok || response.redirected) return; // signed out, or gone: leave the link
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    fresh = page.getElementById("report-status");
  } catch {
    fresh = null; // offline for a moment: ask again next time
  }
  if (fresh && fresh.innerHTML !== region.innerHTML) {
    region.innerHTML = fresh.innerHTML;
  }
  if ((!fresh || onItsWay(region)) && Date.now() - started < GIVE_UP_AFTER_MS) {
    window.setTimeout(check, EVERY_MS);
  }
}

if (region && onItsWay(region)) {
  window.setTimeout(check, EVERY_MS);
}
