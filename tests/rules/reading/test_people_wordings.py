"""Rules phrased as people write them (not by the registry's renderer), each with the check it states or None
where only a judge can decide it: a reading must never guess a check."""

from __future__ import annotations

from typing import Any

import pytest

from rnr_dspy.rules.reading import read_check

# (rule, expected check as a dict, or None for a judge rule)
PEOPLE_WORDINGS: list[tuple[str, dict[str, Any] | None]] = [
    ("Answer in at most 80 words.", {"name": "max_words", "limit": 80}),
    ("Please keep answers to no more than eighty words.", {"name": "max_words", "limit": 80}),
    ("Keep it under 100 words.", {"name": "max_words", "limit": 99}),
    ("Responses should be fewer than 50 words.", {"name": "max_words", "limit": 49}),
    ("Reply in under fifty words.", {"name": "max_words", "limit": 49}),
    ("Maximum 60 words.", {"name": "max_words", "limit": 60}),
    ("60 words max.", {"name": "max_words", "limit": 60}),
    ("Limit each answer to 120 words.", {"name": "max_words", "limit": 120}),
    ("Write at least 150 words.", {"name": "min_words", "limit": 150}),
    ("Your answers should contain no more than 100 words.", {"name": "max_words", "limit": 100}),
    ("Your reply must be longer than two hundred words.", {"name": "min_words", "limit": 201}),
    ("Use between 50 and 120 words.", {"name": "words_between", "low": 50, "high": 120}),
    ("No more than three sentences per answer.", {"name": "max_sentences", "limit": 3}),
    ("Limit each answer to 3 sentences.", {"name": "max_sentences", "limit": 3}),
    ("Answer with fewer than 10 sentences.", {"name": "max_sentences", "limit": 9}),
    ("Answer in at least four sentences.", {"name": "min_sentences", "limit": 4}),
    ("Keep responses within 280 characters.", {"name": "max_characters", "limit": 280}),
    ("Your answer must not exceed 200 characters.", {"name": "max_characters", "limit": 200}),
    ("Write at most two paragraphs.", {"name": "max_paragraphs", "limit": 2}),
    ("Answer in one sentence.", {"name": "max_sentences", "limit": 1}),
    ("Keep your reply to a single paragraph.", {"name": "max_paragraphs", "limit": 1}),
    ("Answer in three sentences.", None),  # about three, or exactly three: not a bound a person states
    ("Write in all caps.", {"name": "all_uppercase"}),
    ("Write everything in uppercase.", {"name": "all_uppercase"}),
    ("Respond in all lowercase letters.", {"name": "all_lowercase"}),
    ("Never use capital letters.", {"name": "all_lowercase"}),
    ("Do not use any commas.", {"name": "no_commas"}),
    ("No commas, ever.", None),
    ("Avoid exclamation marks.", {"name": "no_exclamation"}),
    ("Use no exclamation points.", {"name": "no_exclamation"}),
    ("No emojis.", {"name": "no_emoji"}),
    ("Don't include any links.", {"name": "no_urls"}),
    ("Never use semicolons.", {"name": "no_semicolons"}),
    ("No parentheses.", {"name": "no_parentheses"}),
    ("Never use digits.", {"name": "no_digits"}),
    ("Do not use markdown.", {"name": "no_markdown"}),
    ("Format your answer as a bulleted list.", {"name": "bullet_list"}),
    ("Use a numbered list.", {"name": "numbered_list"}),
    ("Respond only in valid JSON.", {"name": "json_response"}),
    ("Always reply in Spanish.", {"name": "response_language", "language": "es"}),
    ("Answer in German only.", {"name": "response_language", "language": "de"}),
    ("Respond in English.", {"name": "response_language", "language": "en"}),
    ('Start every response with "Hello there".', {"name": "starts_with", "phrase": "Hello there"}),
    ("Begin your answer with ‘Sure thing’.", {"name": "starts_with", "phrase": "Sure thing"}),
    ("End with “Anything else?”", {"name": "ends_with", "phrase": "Anything else?"}),
    ("Finish every reply with 'Have a great day!'", {"name": "ends_with", "phrase": "Have a great day!"}),
    ('Put "Over and out." at the end.', {"name": "ends_with", "phrase": "Over and out."}),
    ('Include the keywords "budget" and "timeline".', {"name": "include_keywords",
                                                       "keywords": ["budget", "timeline"]}),
    ('Always include the word «sustainable».', {"name": "include_keywords", "keywords": ["sustainable"]}),
    ('Never use the words "cheap", "guarantee" or "free".', {"name": "forbidden_words",
                                                              "words": ["cheap", "guarantee", "free"]}),
    ('Do not say "as an AI".', {"name": "forbidden_words", "words": ["as an AI"]}),
    ('Refer to yourself as "Max".', {"name": "mentions_name", "persona": "Max"}),
    ('Sign off with "The Acme Team".', {"name": "sign_off", "phrase": "The Acme Team"}),
    ("Wrap your entire response in double quotation marks.", {"name": "quoted"}),
    ('If a question is outside your scope, reply with "I can only help with billing."',
     {"name": "refusal_phrase", "phrase": "I can only help with billing."}),
    ('If the user asks about anything other than travel, say "I can only help with travel."',
     {"name": "refusal_phrase", "phrase": "I can only help with travel."}),
    # Judge rules: no check states them, or they say more than a check decides.
    ("Do not use bullet points.", None),  # numbered lists stay allowed: no_lists would be stricter
    ("Write exactly three paragraphs.", None),  # the registry's paragraphs rule means *** dividers
    ("Be warm and friendly.", None),
    ("Keep answers under 80 words unless the user asks for code.", None),
    ("Never give medical diagnoses.", None),
    ("Stay polite even when the customer is rude.", None),
    ("Use simple language a child can understand.", None),
    ("If you don't know the answer, say so.", None),
    ("Answer in fewer words than the user's question.", None),
    ("Use bullet points when listing more than three items.", None),
    ("Don't use commas in lists.", None),
    ("Only discuss topics related to cooking.", None),
    ("Write short paragraphs.", None),
    ("Mention the user's name.", None),
    ("Avoid jargon.", None),
    ("Reply in the same language as the user.", None),
    ("Keep it brief.", None),
    ('End with a question, not with "Thanks".', None),
    ("Never answer in more than one language.", None),
]


def test_the_set_is_as_large_as_promised() -> None:
    assert len(PEOPLE_WORDINGS) >= 60
    assert sum(expected is None for _, expected in PEOPLE_WORDINGS) >= 15


@pytest.mark.parametrize(("text", "expected"), PEOPLE_WORDINGS, ids=[text for text, _ in PEOPLE_WORDINGS])
def test_a_rule_written_by_a_person_reads_to_its_check_or_to_none(text: str, expected: dict[str, Any] | None) -> None:
    check = read_check(text)
    found = None if check is None else check.model_dump(exclude_defaults=True) | {"name": check.name}
    assert found == expected
