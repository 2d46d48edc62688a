// The issue playlist: one audio element playing the chaptered issue MP3; each chapter button seeks to its article.
(function () {
  for (const box of document.querySelectorAll("[data-edition-playlist]")) {
    const audio = box.querySelector("[data-edition-audio]");
    if (!audio) continue;
    const buttons = Array.from(box.querySelectorAll("button[data-start]"));
    const starts = buttons.map((b) => Number(b.dataset.start) / 1000);
    const mark = (current) => buttons.forEach((b, i) => b.toggleAttribute("aria-current", i === current));
    for (const [i, button] of buttons.entries()) {
      button.addEventListener("click", () => {
        mark(i);
        const seek = () => { audio.currentTime = starts[i]; audio.play(); };
        if (audio.readyState >= 1) seek(); else { audio.addEventListener("loadedmetadata", seek, { once: true }); audio.load(); }
      });
    }
    audio.addEventListener("timeupdate", () => {
      let current = -1;
      starts.forEach((s, i) => { if (audio.currentTime >= s) current = i; });
      mark(current);
    });
  }
})();
