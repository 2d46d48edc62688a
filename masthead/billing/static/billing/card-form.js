// The card field is Stripe.js (localstripe's stand-in offline). Card details go
// to Stripe directly; the server only receives the confirmed SetupIntent id.
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form || typeof Stripe === "undefined") return;
  var stripe = Stripe(form.dataset.publishableKey);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var errors = document.getElementById("card-errors");
  var button = document.getElementById("pay-button");
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    var result = await stripe.confirmCardSetup(form.dataset.clientSecret, { payment_method: { card: card } });
    if (result.error) {
      errors.textContent = result.error.message || "Your card could not be confirmed.";
      button.disabled = false;
      return;
    }
    form.elements.setup_intent.value = result.setupIntent.id;
    form.submit();
  });
})();
