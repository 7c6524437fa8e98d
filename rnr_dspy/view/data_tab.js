// The data tab: one card per dataset row (an SFT row, a DPO pair, or a prompt that yielded no row).
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
