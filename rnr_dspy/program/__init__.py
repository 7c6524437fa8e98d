"""The RNR program (`rnr_program.RNRProgram`): its DSPy modules, the adapter they run under, how a prompt is answered
under rules (sampling, repair, hindsight), composed roles and turns, and FollowRules, which holds any program to the
rules of its system prompt at inference time."""
