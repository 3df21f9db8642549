// Start the NHS.UK frontend components. Pages work without this: it only enhances.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

initAll();

// Lets tests (and anything else) know the page has finished enhancing itself. Some
// components set their state once more when the page is shown (the radios that reveal
// a question do, on "pageshow", after "load"), so the page is ready only after that.
function ready() {
  document.documentElement.dataset.revmentorReady = "true";
}
if (document.readyState === "complete") {
  ready();
} else {
  window.addEventListener("pageshow", ready, { once: true });
}
