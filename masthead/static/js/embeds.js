// Responsive embeds keep their provider's aspect ratio. Wagtail writes the
// ratio into a style attribute, which the Content-Security-Policy forbids;
// the template puts it in data-ratio and this sets it through the CSSOM, which
// the policy allows. Without JavaScript the CSS default (16:9) applies.
// Each embed includes this file, so it may run several times: it is idempotent.
(function () {
  "use strict";
  var boxes = document.querySelectorAll(".responsive-object[data-ratio]");
  for (var i = 0; i < boxes.length; i++) {
    var ratio = boxes[i].getAttribute("data-ratio");
    if (/^\d+(\.\d+)?%$/.test(ratio)) boxes[i].style.paddingBottom = ratio;
  }
})();
