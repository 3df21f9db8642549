// Charts the task worker is still drawing show as boxes: put each chart in its box's
// place once the page has it drawn, and say in the live region when none is left.
// Without this script the page says to reload it.
import { askAgain } from "./poll.js";

const status = document.getElementById("charts-status");
const waiting = () => document.querySelectorAll("img.chart[data-chart-waiting]");

if (status && waiting().length > 0) {
  askAgain(window.location.href, (page) => {
    for (const box of waiting()) {
      const drawn = page.querySelector(
        `img.chart[data-chart="${CSS.escape(box.dataset.chart)}"]:not([data-chart-waiting])`,
      );
      if (drawn) box.replaceWith(document.importNode(drawn, true));
    }
    if (waiting().length > 0) return true;
    const done = document.createElement("p");
    done.className = "nhsuk-body-s";
    done.textContent = "All the charts are drawn.";
    status.replaceChildren(done);
    return false;
  });
}
