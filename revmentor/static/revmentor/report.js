// While the report PDF is on its way, show what the page says of it now (a live region
// reads out the change). Without this script the page has a "Check again" link.
import { askAgain } from "./poll.js";

const region = document.getElementById("report-status");

function onItsWay(element) {
  const state = element.querySelector("[data-report-state]");
  return state !== null && ["waiting", "making"].includes(state.dataset.reportState);
}

if (region && onItsWay(region)) {
  askAgain(window.location.pathname, (page) => {
    const fresh = page.getElementById("report-status");
    if (fresh && fresh.innerHTML !== region.innerHTML) {
      region.innerHTML = fresh.innerHTML;
    }
    return !fresh || onItsWay(region);
  });
}
