"""One hand-written case per registry checker: a check, a response that follows it and one that breaks it.

Where the checker has a repair, its repair of the breaking response must exist and pass its check.
"""

from rnr_dspy.rules.checkers import REGISTRY


def case(name, params, follows, breaks):
    return name, (REGISTRY[name](**params), follows, breaks)


CASES = dict([
    # length
    case("max_words", {"limit": 5}, "One two three four five.", "One two three. Four five six."),
    case("min_words", {"limit": 5}, "One two three four five.", "One two three four."),
    case("words_between", {"low": 3, "high": 6}, "One two three four.", "One two three four five six. Seven eight."),
    case("max_sentences", {"limit": 2}, "Go early. Take water.", "Go early. Take water. Wear a hat."),
    case("min_sentences", {"limit": 2}, "Go early. Take water.", "Go early and take water."),
    case("max_characters", {"limit": 12}, "Short reply.", "Short one. A longer tail."),
    # counting
    case("max_lines", {"limit": 2}, "One line.\n\nTwo lines.", "One.\nTwo.\nThree."),
    case("max_line_characters", {"limit": 20}, "Short line here.\nAnother short one.",
         "This line is clearly much longer than twenty characters."),
    case("max_paragraphs", {"limit": 2}, "First part.\n\nSecond part.", "One.\n\nTwo.\n\nThree."),
    case("min_paragraphs", {"count": 2}, "First part.\n\nSecond part.", "Only one paragraph. It has two sentences."),
    # lists
    case("bullet_list", {"min_items": 3}, "- one\n- two\n- three", "One. Two. Three."),
    case("numbered_list", {"min_items": 2}, "1. Pack\n2. Go", "Pack first. Then go."),
    case("bullet_count", {"count": 2}, "- one\n- two", "- one\n- two\n- three"),
    case("checklist", {"min_items": 2}, "- [ ] Buy milk\n- [x] Call Sam", "Buy milk. Call Sam."),
    case("max_list_items", {"limit": 2}, "- one\n- two", "- one\n- two\n1. three"),
    case("list_item_words", {"limit": 3}, "- pack light\n- leave early", "- pack very light for the trip\n- go"),
    case("no_lists", {}, "Pack light and leave early.", "Tips:\n- pack light\n- leave early"),
    # sections
    case("paragraphs", {"count": 2}, "First.\n***\nSecond.", "First. Second."),
    case("sections", {"min_count": 2}, "SECTION 1\nWhy.\nSECTION 2\nHow.", "SECTION 1\nWhy and how. Then more."),
    case("markdown_headings", {"min_count": 2}, "## Why\nBecause.\n## How\nLike this.", "## Why\nBecause."),
    case("labeled_parts", {"labels": ["Why", "How"]}, "Why: it is cheaper.\nHow: book early.",
         "It is cheaper. Book early."),
    case("numbered_steps", {"min_steps": 2}, "Step 1: Boil water.\nStep 2: Add pasta.", "Boil water. Add pasta."),
    case("qa_pairs", {"min_pairs": 2}, "Q: When?\nA: Today.\nQ: Where?\nA: Here.", "Q: When?\nQ: Where?\nA: Here."),
    # markdown
    case("title", {}, "<<Trip Plan>>\nDay one.", "Trip Plan\nDay one."),
    case("highlights", {"min_count": 2}, "Bring *water* and *snacks*.", "Bring *water* and snacks."),
    case("blockquote", {"min_lines": 1}, "As they say:\n> Measure twice.", "As they say: measure twice."),
    case("no_markdown", {}, "Plain words only, nothing else.", "Use **bold** and `code`."),
    # formats
    case("json_response", {"required_keys": ["city"]}, '```json\n{"city": "Oslo"}\n```', '{"town": "Oslo"}'),
    case("yaml_mapping", {"required_keys": ["city", "days"]}, "city: Oslo\ndays: 3", "city: Oslo"),
    case("csv_table", {"columns": ["item", "cost"], "min_rows": 2}, "item,cost\ntent,120\nstove,45",
         "item;cost\ntent;120"),
    case("markdown_table", {"columns": 2, "min_rows": 1}, "| a | b |\n|---|---|\n| 1 | 2 |", "| a | b |\n| 1 | 2 |"),
    case("labeled_fields", {"fields": ["Name", "Date"]}, "Name: Ada\nDate: Monday", "Name: Ada, on Monday."),
    case("code_block", {"language": "python"}, "Try:\n```python\nprint(1)\n```", "Try:\n```\nprint(1)\n```"),
    case("tagged_wrapper", {"tag": "answer"}, "<answer>Go in May.</answer>", "Go in May."),
    # content
    case("include_keywords", {"keywords": ["budget", "itinerary"]}, "Here is your itinerary, planned within budget.",
         "Here is your itinerary."),
    case("forbidden_words", {"words": ["cheap", "guarantee"]}, "An affordable option that usually works.",
         "A cheap option. It usually works."),
    case("keyword_frequency", {"keyword": "story", "relation": "at_least", "count": 2}, "A story within a story.",
         "A story within a tale."),
    case("placeholders", {"min_count": 2}, "Dear [name], see you at [time].", "Dear [name], see you soon."),
    case("exact_phrase", {"phrase": "pan sauce"}, "A quick Pan Sauce works.", "A quick sauce in the pan works."),
    # placement
    case("first_word", {"word": "Sure"}, "Sure, here it is.", "Here it is, sure."),
    case("last_word", {"word": "Enjoy"}, "Here it is. Enjoy!", "Enjoy. Here it is."),
    case("keyword_every_paragraph", {"keyword": "tea"}, "Green tea first.\n\nThen black tea.",
         "Green tea first.\n\nThen coffee."),
    case("keyword_first_sentence", {"keyword": "tea"}, "Tea helps. Sleep too.", "Sleep helps. Tea too."),
    case("ordered_keywords", {"keywords": ["soak", "boil"]}, "First soak, then boil.", "Boil after you soak."),
    # sentences
    case("max_sentence_words", {"limit": 4}, "Go now. Take water.", "Go now and take plenty of water."),
    case("first_sentence_words", {"limit": 3}, "Yes, go. Take plenty of water with you.", "Yes, you should go now."),
    case("min_questions", {"min_count": 2}, "Ready? Shall we start?", "Ready? Let us start."),
    case("no_questions", {}, "Here is the plan.", "Ready? Here is the plan."),
    # punctuation
    case("no_commas", {}, "Pack light and go early.", "Pack light, and go early."),
    case("no_exclamation", {}, "Pack light and go early.", "Pack light and go early!"),
    case("no_semicolons", {}, "Pack light. Go early.", "Pack light; go early."),
    case("no_dashes", {}, "A well-known trick.", "A trick — well known."),
    case("no_ellipsis", {}, "Wait. Then go.", "Wait... then go."),
    case("no_parentheses", {}, "Bring water, about a litre.", "Bring water (about a litre)."),
    # typography
    case("quoted", {}, '"Pack light and go early."', '"Pack light" and go early.'),
    case("straight_quotes", {}, "He said \"go\" and didn't wait.", "He said “go” and didn’t wait."),
    case("quoted_spans", {"min_count": 1}, 'They call it "the loop".', "They call it the loop."),
    case("no_emoji", {}, "Have fun.", "Have fun 🎉"),
    case("emoji_count", {"min_count": 2}, "Have fun 🎉 and relax 🙂", "Have fun 🎉"),
    # case
    case("all_lowercase", {}, "pack light and go early.", "Pack light and go early."),
    case("all_uppercase", {}, "PACK LIGHT AND GO EARLY.", "PACK LIGHT and go early."),
    case("capital_words", {"relation": "at_most", "count": 1}, "This is VERY good.", "This is VERY VERY good."),
    case("sentence_case", {}, "Pack light. Go early.\n- Bring water.", "Pack light. go early."),
    case("title_case_headings", {}, "# Packing for a Long Trip\nText.", "# packing for a long trip\nText."),
    case("word_in_caps", {"word": "free"}, "It is FREE today.", "It is free today."),
    # language
    case("response_language", {"language": "fr"}, "Je vous conseille de partir tôt le matin pour éviter la foule.",
         "I suggest leaving early in the morning to avoid the crowds."),
    case("script_only", {"script": "latin"}, "Café au lait, s'il vous plaît.", "Order a латте."),
    case("ascii_only", {}, "Cafe au lait, please.", "Café au lait, please."),
    # persona
    case("mentions_name", {"persona": "Ava"}, "Hi, I'm Ava, your travel guide.", "Hi, I'm your travel guide."),
    case("sign_off", {"phrase": "Safe travels, Ava"}, "Go in May.\n\nSafe travels, Ava", "Safe travels, Ava. Go."),
    case("first_person", {}, "I would go in May.", "Going in May is best."),
    case("no_first_person", {}, "Going in May is best.", "I would go in May."),
    case("we_voice", {}, "We suggest going in May.", "I suggest going in May."),
    case("address_user", {"user_name": "Priya"}, "Priya, go in May.", "Go in May."),
    # scope
    case("refusal_phrase", {"phrase": "I can only help with travel questions."},
         "Sorry! I can only help with travel questions.", "Sorry, I cannot help with that."),
    case("refusal_redirect", {"phrase": "I can't help with that.", "redirect": "a doctor"},
         "I can't help with that. Please ask a doctor.", "I can't help with that."),
    case("stay_on_topic", {"topics": ["tea", "coffee"]}, "Green tea is mild.", "Juice is sweet."),
    case("no_urls", {}, "See the official site.", "See https://example.com for more. Enjoy."),
    case("no_contact_details", {}, "Call the front desk.",
         "Ask us. Write to ada@example.com or call 555-123-4567. Bye."),
    # openings
    case("starts_with", {"phrase": "Great question!"}, "Great question! Here goes.", "Here goes. Great question!"),
    case("ends_with", {"phrase": "Happy travels!"}, "Go in May. Happy travels!", "Happy travels! Go in May."),
    case("postscript", {"marker": "P.S."}, "See you.\n\nP.S. Bring snacks.", "See you. Bring snacks."),
    case("summary_first", {"label": "In short"}, "In short: go in May.\nDetails follow.", "Go in May. In short: yes."),
    case("restate_question", {}, "When should you go? In May.", "In May. When should you go?"),
    case("ends_with_question", {}, "Go in May. Shall I plan it?", "Shall I plan it? Go in May."),
    # repetition
    case("repeat_phrase", {"phrase": "step by step", "count": 2}, "Step by step, then step by step again.",
         "Step by step."),
    case("bookend_word", {}, "Enjoy the trip and enjoy!", "Enjoy the trip."),
    case("no_repeated_sentences", {}, "Go early. Take water.", "Go early. Take water. Go early!"),
    # numbers
    case("no_digits", {}, "Bring two bottles.", "Bring 2 bottles, or 1,500 ml."),
    case("min_numbers", {"min_count": 2}, "Bring 2 bottles and 3 apples.", "Bring two bottles and 3 apples."),
    case("unit_system", {"system": "metric"}, "It is 5 km away and weighs 2 kg.", "It is 3 miles away."),
    case("no_currency_symbols", {}, "It costs 20 USD.", "It costs $20 or €18."),
])

