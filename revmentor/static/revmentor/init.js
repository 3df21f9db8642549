// Start the NHS.UK frontend components. Pages work without this: it only enhances.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

initAll();
// Lets tests (and anything else) know the page has finished enhancing itself.
document.documentElement.dataset.revmentorReady = "true";
