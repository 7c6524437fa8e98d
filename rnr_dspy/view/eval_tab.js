// The eval tab: one card per item of a suite, every model's answer side by side.
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
