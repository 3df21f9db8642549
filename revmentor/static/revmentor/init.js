// Start the NHS.UK frontend components. Pages work without this: it only enhances.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

initAll();
