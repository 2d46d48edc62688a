// How far down the article the reader is: a thin line under the reader bar (the bar itself says which article of the issue).
(function () {
  var line = document.querySelector("[data-reader-scroll]");
  var article = document.querySelector(".reader-article");
  if (!line || !article) return;
  var queued = false;
  function update() {
    queued = false;
    var box = article.getBoundingClientRect();
    var total = box.height - window.innerHeight;
    var done = total > 0 ? Math.min(1, Math.max(0, -box.top / total)) : 1;
    line.style.width = (done * 100).toFixed(1) + "%";
  }
  function schedule() { if (!queued) { queued = true; window.requestAnimationFrame(update); } }
  window.addEventListener("scroll", schedule, { passive: true });
  window.addEventListener("resize", schedule);
  update();
})();
