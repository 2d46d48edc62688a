// The lexicon entry's "Listen" button: post the form's current values, play the WAV that comes back.
(function () {
  "use strict";
  function setup(box) {
    var form = box.closest("form");
    var button = box.querySelector("[data-lexicon-listen-button]");
    var status = box.querySelector("[data-lexicon-listen-status]");
    var player = box.querySelector("[data-lexicon-listen-audio]");
    var sample = box.querySelector("[data-lexicon-listen-sample]");
    var busy = false;
    button.addEventListener("click", function () {
      if (busy || !form) { return; }
      busy = true;
      button.disabled = true;
      status.textContent = "Speaking…";
      var data = new FormData();
      ["term", "kind", "replacement", "csrfmiddlewaretoken"].forEach(function (name) {
        var field = form.elements.namedItem(name);
        if (field) { data.append(name, field.value); }
      });
      var sensitive = form.elements.namedItem("case_sensitive");
      if (sensitive && sensitive.checked) { data.append("case_sensitive", "on"); }
      data.append("sample", sample.value);
      fetch(box.dataset.url, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) {
          if (response.ok) { return response.blob(); }
          return response.json().then(function (body) {
            var errors = body.errors || {};
            var messages = Object.keys(errors).map(function (key) { return errors[key].join(" "); });
            throw new Error(messages.join(" ") || "The preview failed.");
          }, function () { throw new Error("The preview failed (" + response.status + ")."); });
        })
        .then(function (blob) {
          if (player.src) { URL.revokeObjectURL(player.src); }
          player.src = URL.createObjectURL(blob);
          player.hidden = false;
          status.textContent = "";
          return player.play();
        })
        .catch(function (error) { status.textContent = error.message; })
        .then(function () { busy = false; button.disabled = false; });
    });
  }
  document.querySelectorAll("[data-lexicon-listen]").forEach(setup);
})();
