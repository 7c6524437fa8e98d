// The viewer: filters, search and pages over the rows embedded in the page as JSON. Every text from the data is
// put on screen with textContent, never parsed as HTML.
(function () {
  "use strict";
  var PAGE_SIZE = 25;
  var payload = JSON.parse(document.getElementById("viewer-data").textContent);

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

  // The data tab: one card per dataset row.
  function dataList(data) {
    var systems = data.systems;
    var kindNames = { sft: "SFT row", dpo: "DPO pair", no_row: "no row (failed)" };
    var methodNames = { sampled: "as written" };
    function made(r) { return methodNames[r.method] || r.method; }
    function rulesOf(row) { return systems[row.system].rules; }
    var facets = [
      { key: "kind", label: "Dataset", tags: function (r) { return [kindNames[r.kind] || r.kind]; } },
      { key: "method", label: "Made", tags: function (r) { return [made(r)]; } },
      { key: "turn_type", label: "Turn type", tags: function (r) { return [r.turn_type]; } },
      { key: "rule_kind", label: "Rule kind", tags: function (r) { return rulesOf(r).map(function (x) { return x.kind; }); } },
      { key: "checker", label: "Checker", tags: function (r) { return rulesOf(r).map(function (x) { return x.checker; }); } },
      { key: "verdict", label: "Verdict", tags: function (r) { return verdictTags(r.verdicts); } },
      { key: "broken", label: "Broken rule (checker)", tags: function (r) {
        return brokenCheckers(r, r.verdicts).concat(r.rejected ? brokenCheckers(r, r.rejected.verdicts) : []);
      } },
    ];
    // The checkers of the rules an answer broke (judge: a rule without one).
    function brokenCheckers(r, verdicts) {
      var checker = {};
      rulesOf(r).forEach(function (rule) { checker[rule.id] = rule.checker; });
      return verdicts.filter(function (v) { return v[1] === false; }).map(function (v) { return checker[v[0]] || "?"; });
    }
    function haystack(r) {
      return [r.id, systems[r.system].text, r.user, r.answer || "", r.rejected ? r.rejected.answer : "", r.error || "",
        r.seed_ids.join(" "), r.verdicts.map(function (v) { return v[2]; }).join(" ")].join("\n");
    }
    function rulesList(rules, verdicts) {
      var byId = {};
      verdicts.forEach(function (v) { byId[v[0]] = v; });
      var list = el("ul", "rules");
      rules.forEach(function (rule) {
        var verdict = byId[rule.id];
        add(list, add(el("li"), markOf(verdict ? verdict[1] : null), el("span", "id", rule.id + " "),
          badge(rule.kind), document.createTextNode(" "), badge(rule.checker), document.createTextNode(" " + rule.text + " "),
          verdict && verdict[2] ? el("span", "reason", "\u2014 " + verdict[2]) : null));
      });
      return list;
    }
    function verdictList(rules, verdicts) {
      var text = {};
      rules.forEach(function (rule) { text[rule.id] = rule.text; });
      var list = el("ul", "rules");
      verdicts.forEach(function (v) {
        add(list, add(el("li"), markOf(v[1]), el("span", "id", v[0] + " "), document.createTextNode((text[v[0]] || "") + " "),
          v[2] ? el("span", "reason", "\u2014 " + v[2]) : null));
      });
      return list;
    }
    function diffBlock(diff, title) {
      var box = add(el("div", "turn diff"), el("div", "role", title));
      var text = el("pre", "text");
      diff.forEach(function (part) { text.appendChild(el(part[0] === "-" ? "del" : part[0] === "+" ? "ins" : "span", null, part[1])); });
      return add(box, text);
    }
    var DIFF_TITLES = { repaired: "repaired from the sample", hindsight: "mended from the sample",
      refusal: "the refusal the rules ask for, in place of the sample" };
    var SYSTEM_TITLES = { hindsight: "system (rules read off the answer: hindsight)",
      refusal: "system (rules read off the refusal: hindsight)" };
    function draw(r) {
      var system = systems[r.system];
      var verdict = verdictTags(r.verdicts)[0];
      var head = add(el("div", "card-head"), badge(kindNames[r.kind] || r.kind), badge(made(r)), badge(r.turn_type),
        badge(verdict, verdict === "every rule followed" ? "ok" : verdict === "a rule broken" ? "bad" : "unknown"),
        el("span", "id", r.id), el("span", "id", "seeds: " + (r.seed_ids.join(", ") || "\u2013")));
      var card = add(el("article", "card"), head,
        add(turn(SYSTEM_TITLES[r.method] || "system", system.text, "system"), rulesList(system.rules, r.verdicts)),
        turn("user", r.user));
      if (r.kind === "dpo") {
        add(card, add(el("div", "side"), turn("chosen", r.answer, "assistant"),
          add(turn("rejected", r.rejected.answer, "rejected"), verdictList(system.rules, r.rejected.verdicts))));
      } else {
        add(card, turn(r.kind === "no_row" ? "best attempt (no row)" : "assistant", r.answer, "assistant"));
      }
      if (r.diff) add(card, diffBlock(r.diff, DIFF_TITLES[r.method] || "changed from the sample"));
      if (r.problems.length) add(card, el("p", "reason", "quality gate: " + r.problems.join("; ")));
      if (r.error) add(card, el("p", "reason", "error: " + r.error));
      return add(card, el("p", "reason", "teacher " + r.lm + " \u00b7 judge " + r.judge_lm));
    }
    return new FacetedList("data", data.rows, facets, haystack, draw, "rows");
  }

  // The eval tab: one card per item, the models' answers side by side.
  function evalList(evaluation) {
    var models = evaluation.models;
    function result(a) {
      if (!a) return "not run";
      return a.score === null ? "undecided" : a.score >= 1 ? "pass" : a.score <= 0 ? "fail" : "partial";
    }
    var facets = [
      { key: "suite", label: "Suite", tags: function (r) { return [r.suite]; } },
      { key: "split", label: "Split", tags: function (r) { return [r.split ? r.split.replace("_", "-") : "none"]; } },
      { key: "kind", label: "Kind", tags: function (r) { return r.kinds; } },
      { key: "turn_type", label: "Turn type", tags: function (r) { return [r.turn_type || "none"]; } },
      models.length < 2 ? null : { key: "change", label: "Against " + models[0].name, tags: function (r) {
        var tags = [];
        r.changes.forEach(function (c, i) {
          if (i === 0) return;
          tags.push(models[i].name + (c === 1 ? " gained" : c === -1 ? " lost" : c === 0 ? " same" : " undecided"));
        });
        return tags;
      } },
      { key: "result", label: "Result", tags: function (r) {
        var tags = [];
        r.answers.forEach(function (a, i) {
          tags.push(models[i].name + " " + result(a));
          if (a && a.truncated) tags.push(models[i].name + " truncated");
        });
        return tags;
      } },
    ].filter(Boolean);
    function haystack(r) {
      var parts = [r.id, r.suite, r.system || "", r.user];
      r.answers.forEach(function (a) { if (a) parts.push(a.text || "", a.error || "", a.explanation); });
      return parts.join("\n");
    }
    function answerBox(a, i, change, headline) {
      var model = models[i];
      var kind = result(a);
      var head = add(el("div", "card-head"), el("strong", null, model.name), el("span", "id", model.spec),
        badge(kind, kind === "pass" ? "ok" : kind === "fail" ? "bad" : "unknown"),
        change === 1 ? badge("\u2191 gained (" + headline + ")", "ok") :
          change === -1 ? badge("\u2193 lost (" + headline + ")", "bad") : null,
        a && a.truncated ? badge("truncated at max tokens", "unknown") : null);
      var box = add(el("div", "turn " + (kind === "fail" ? "rejected" : "assistant")), head);
      if (!a) return add(box, el("p", "reason", "this model has no answer to this item"));
      add(box, el("pre", "text", a.text === null ? "(no answer: " + a.error + ")" : a.text));
      var list = el("ul", "rules");
      a.verdicts.forEach(function (v) {
        add(list, add(el("li"), markOf(v[1]), el("span", "id", v[0] + " "), document.createTextNode(v[4] && v[4] !== v[0] ? v[4] + " " : ""),
          v[2] ? el("span", "reason", "\u2014 " + v[2]) : null));
      });
      return add(box, list);
    }
    function draw(r) {
      var head = add(el("div", "card-head"), badge(r.suite), r.split ? badge(r.split.replace("_", "-")) : null,
        r.turn_type ? badge(r.turn_type) : null, r.domain ? badge(r.domain) : null, el("span", "id", r.id),
        el("span", "id", "kinds: " + r.kinds.join(", ")));
      var card = add(el("article", "card"), head, r.system ? turn("system", r.system) : null, turn("user", r.user));
      var side = el("div", "side");
      r.answers.forEach(function (a, i) {
        side.appendChild(answerBox(a, i, r.changes[i], evaluation.headlines[r.suite]));
      });
      return add(card, side);
    }
    return new FacetedList("eval", evaluation.items, facets, haystack, draw, "items");
  }

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
})();
