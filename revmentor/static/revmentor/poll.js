// Ask this page again every few seconds while the task worker does something it shows
// (a report PDF being made, charts being drawn), for a script to take what changed.
// `update(page)` gets the page as a parsed document (without its style sheets: the
// policy allows only this response's own) and says whether to keep asking. Stops when
// signed out or the page is gone, and after ten minutes; the page's own words (a link,
// "reload") still work then.
export function askAgain(url, update, { everyMs = 3000, giveUpAfterMs = 10 * 60 * 1000 } = {}) {
  const started = Date.now();
  const check = async () => {
    let page = null;
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      if (!response.ok || response.redirected) return;
      const text = (await response.text()).replace(/<style\b[\s\S]*?<\/style>/g, "");
      page = new DOMParser().parseFromString(text, "text/html");
    } catch {
      page = null; // offline for a moment: ask again next time
    }
    const more = page === null || update(page);
    if (more && Date.now() - started < giveUpAfterMs) {
      window.setTimeout(check, everyMs);
    }
  };
  window.setTimeout(check, everyMs);
}
