// Reads the embedded data, builds the tabs the run has, and draws the first page of each.
var payload = JSON.parse(document.getElementById("viewer-data").textContent);
var tabs = [];
var viewer = {};
if (payload.data) {
  viewer.data = dataList(payload.data);
  tabs.push(["data", "Data (" + number(payload.data.rows.length) + " rows)"]);
}
if (payload.eval) {
  viewer.eval = evalList(payload.eval);
  tabs.push(["eval", "Eval (" + number(payload.eval.items.length) + " items)"]);
  tabs.push(["report", "Report"]);
}
var nav = document.getElementById("tabs");
function show(name) {
  tabs.forEach(function (tab) {
    document.getElementById("tab-" + tab[0]).hidden = tab[0] !== name;
    document.getElementById("button-" + tab[0]).setAttribute("aria-selected", String(tab[0] === name));
  });
}
tabs.forEach(function (tab) {
  var button = el("button", null, tab[1]);
  button.id = "button-" + tab[0];
  button.setAttribute("role", "tab");
  button.addEventListener("click", function () { show(tab[0]); });
  nav.appendChild(button);
});
Object.keys(viewer).forEach(function (name) { viewer[name].apply(); });
if (tabs.length) show(tabs[0][0]);
document.getElementById("loading").remove();
window.rnrViewer = viewer;
document.body.dataset.ready = "1";
