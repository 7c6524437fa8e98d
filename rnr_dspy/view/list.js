// The viewer's parts: DOM helpers that only ever set textContent, and a list of rows narrowed by filters and a
// search, drawn a page at a time. The page's script is these files in one function (see page.py).
var PAGE_SIZE = 25;

function el(tag, className, text) {
  var node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}
function add(parent) {
  for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
  return parent;
}
function number(n) { return n.toLocaleString("en-US"); }
function outcome(followed) { return followed === true ? "ok" : followed === false ? "bad" : "unknown"; }
function markOf(followed) {
  return el("span", "mark " + outcome(followed), followed === true ? "\u2713" : followed === false ? "\u2717" : "?");
}
function badge(text, kind) { return el("span", "badge" + (kind ? " " + kind : ""), text); }
function turn(role, text, className) {
  var box = el("div", "turn " + (className || role));
  return add(box, el("div", "role", role), el("pre", "text", text === null ? "(no answer)" : text));
}
function verdictTags(verdicts) {
  if (!verdicts.length) return ["no verdict"];
  var tags = [];
  if (verdicts.some(function (v) { return v[1] === false; })) tags.push("a rule broken");
  if (verdicts.some(function (v) { return v[1] === null; })) tags.push("a rule unknown");
  return tags.length ? tags : ["every rule followed"];
}

// A list of rows narrowed by facets (one select each) and a search, drawn one page at a time.
function FacetedList(prefix, rows, facets, haystack, draw, noun) {
  var self = this;
  this.rows = rows;
  this.matches = [];
  this.page = 0;
  this.count = document.getElementById(prefix + "-count");
  this.list = document.getElementById(prefix + "-list");
  this.pager = document.getElementById(prefix + "-pager");
  this.facets = facets;
  // Each row's tags per facet, once each: an option counts rows, not rules.
  this.tags = facets.map(function (facet) {
    return rows.map(function (row) {
      return facet.tags(row).filter(function (tag, i, all) { return all.indexOf(tag) === i; });
    });
  });
  this.haystack = haystack;
  this.hay = null;
  this.draw = draw;
  this.noun = noun;
  var box = document.getElementById(prefix + "-filters");
  this.selects = facets.map(function (facet, f) {
    var values = {};
    self.tags[f].forEach(function (tags) { tags.forEach(function (tag) { values[tag] = true; }); });
    var select = el("select");
    select.name = facet.key;
    select.appendChild(el("option", null, "all"));
    select.options[0].value = "";
    Object.keys(values).sort().forEach(function (value) {
      var option = el("option", null, value);
      option.value = value;
      select.appendChild(option);
    });
    select.addEventListener("change", function () { self.apply(); });
    box.appendChild(add(el("label", null, facet.label), select));
    return select;
  });
  this.search = el("input");
  this.search.type = "search";
  this.search.name = "search";
  this.search.placeholder = "search every text";
  this.search.addEventListener("input", function () { self.apply(); });
  box.appendChild(add(el("label", null, "Search"), this.search));
}

FacetedList.prototype.apply = function () {
  var chosen = this.selects.map(function (select) { return select.value; });
  var query = this.search.value.trim().toLowerCase();
  if (query && !this.hay) this.hay = this.rows.map(function (row) { return this.haystack(row).toLowerCase(); }, this);
  var matches = [];
  for (var i = 0; i < this.rows.length; i++) {
    var keep = true;
    for (var f = 0; f < chosen.length && keep; f++) {
      if (chosen[f] && this.tags[f][i].indexOf(chosen[f]) < 0) keep = false;
    }
    if (keep && query && this.hay[i].indexOf(query) < 0) keep = false;
    if (keep) matches.push(i);
  }
  this.matches = matches;
  this.page = 0;
  this.updateOptions();
  this.render();
};

// Each option says how many of the rows now shown carry it.
FacetedList.prototype.updateOptions = function () {
  var matches = this.matches;
  this.selects.forEach(function (select, f) {
    var counts = {};
    var tags = this.tags[f];
    for (var m = 0; m < matches.length; m++) {
      var rowTags = tags[matches[m]];
      for (var t = 0; t < rowTags.length; t++) counts[rowTags[t]] = (counts[rowTags[t]] || 0) + 1;
    }
    for (var o = 1; o < select.options.length; o++) {
      var option = select.options[o];
      option.textContent = option.value + " (" + number(counts[option.value] || 0) + ")";
    }
  }, this);
};

FacetedList.prototype.render = function () {
  var total = this.matches.length;
  var pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  var start = this.page * PAGE_SIZE;
  var shown = this.matches.slice(start, start + PAGE_SIZE);
  this.count.textContent = number(total) + " of " + number(this.rows.length) + " " + this.noun +
    (total ? " (showing " + number(start + 1) + "\u2013" + number(start + shown.length) + ")" : "");
  this.count.dataset.matches = String(total);
  this.list.replaceChildren.apply(this.list, shown.map(function (i) { return this.draw(this.rows[i]); }, this));
  var self = this;
  var previous = el("button", null, "\u2190 previous");
  previous.disabled = this.page === 0;
  previous.addEventListener("click", function () { self.turnTo(self.page - 1); });
  var next = el("button", null, "next \u2192");
  next.disabled = this.page >= pages - 1;
  next.addEventListener("click", function () { self.turnTo(self.page + 1); });
  this.pager.replaceChildren(previous, el("span", null, "page " + (this.page + 1) + " of " + pages), next);
};

FacetedList.prototype.turnTo = function (page) {
  this.page = page;
  this.render();
  this.count.scrollIntoView();
};
