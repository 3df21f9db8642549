// Keyboard shortcuts for the coding grid. The page works without them.
//   j / k   next / previous answer      1-9   tick or untick the answer's first nine codes
//   s       save the page
const grid = document.getElementById("coding-grid");

function typing(target) {
  return target instanceof HTMLElement && target.matches("input[type=text], textarea, select");
}

if (grid) {
  const answers = Array.from(grid.querySelectorAll("[data-answer]"));
  const current = () => answers.findIndex((a) => a.contains(document.activeElement));
  const focus = (index) => {
    const answer = answers[Math.max(0, Math.min(index, answers.length - 1))];
    const box = answer && answer.querySelector("input[type=checkbox]");
    if (box) {
      box.focus();
      answer.scrollIntoView({ block: "nearest" });
    }
  };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const at = current();
    if (event.key === "j" || event.key === "k") {
      focus(at < 0 ? 0 : at + (event.key === "j" ? 1 : -1));
      event.preventDefault();
    } else if (/^[1-9]$/.test(event.key) && at >= 0) {
      const boxes = answers[at].querySelectorAll("input[type=checkbox]:not([disabled])");
      const box = boxes[Number(event.key) - 1];
      if (box) {
        box.checked = !box.checked;
        event.preventDefault();
      }
    } else if (event.key === "s") {
      event.preventDefault();
      grid.requestSubmit();
    }
  });
}
