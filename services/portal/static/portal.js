// Progressive enhancement only: every flow works without this file.
(function () {
  "use strict";
  var input = document.querySelector("input[data-lookup]");
  if (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2 || /\(\d{2}(\d{3})?\)$/.test(q)) { return; }
      timer = setTimeout(function () {
        fetch(input.getAttribute("data-lookup") + "?q=" + encodeURIComponent(q))
          .then(function (r) { return r.ok ? r.json() : { items: [] }; })
          .then(function (data) {
            list.textContent = "";
            data.items.forEach(function (u) {
              var option = document.createElement("option");
              option.value = u.name + " (" + u.code + ")";
              list.appendChild(option);
            });
          })
          .catch(function () { /* the server finds the commune on submit */ });
      }, 250);
    });
  }
  var print = document.querySelector("button.print");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
})();
