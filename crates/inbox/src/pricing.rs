//! What a session's tokens would cost at the model's list prices: an estimate, for the
//! person to see the order of magnitude, never a bill. Prices in US dollars per million
//! tokens, as the vendors listed them in 2026; a model not listed gets no estimate.

use crate::model::TokenUsage;

/// (model name prefix, input, output, cache read, cache write), per million tokens.
/// Longer prefixes first: the first that matches counts.
const PRICES: &[(&str, f64, f64, f64, f64)] = &[
    ("claude-opus-4-5", 5.0, 25.0, 0.5, 6.25),
    ("claude-opus-4-1", 15.0, 75.0, 1.5, 18.75),
    ("claude-opus-4", 15.0, 75.0, 1.5, 18.75),
    ("claude-sonnet-4", 3.0, 15.0, 0.3, 3.75),
    ("claude-3-7-sonnet", 3.0, 15.0, 0.3, 3.75),
    ("claude-haiku-4-5", 1.0, 5.0, 0.1, 1.25),
    ("claude-3-5-haiku", 0.8, 4.0, 0.08, 1.0),
    ("gpt-5-mini", 0.25, 2.0, 0.025, 0.0),
    ("gpt-5-nano", 0.05, 0.4, 0.005, 0.0),
    ("gpt-5", 1.25, 10.0, 0.125, 0.0),
    ("gpt-4.1-mini", 0.4, 1.6, 0.1, 0.0),
    ("gpt-4.1", 2.0, 8.0, 0.5, 0.0),
    ("o4-mini", 1.1, 4.4, 0.275, 0.0),
];

/// The estimate in millionths of a dollar, if the model's prices are known.
pub(crate) fn estimated_cost_micro_usd(usage: &TokenUsage) -> Option<u64> {
    let model = usage.model.as_deref()?.to_ascii_lowercase();
    let &(_, input, output, cache_read, cache_write) = PRICES
        .iter()
        .find(|(prefix, ..)| model.starts_with(prefix))?;
    // Dollars per million tokens are micro-dollars per token.
    let micro = usage.input_tokens as f64 * input
        + usage.output_tokens as f64 * output
        + usage.cache_read_tokens as f64 * cache_read
        + usage.cache_write_tokens as f64 * cache_write;
    Some(micro.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(model: &str, input: u64, output: u64, read: u64, write: u64) -> TokenUsage {
        TokenUsage {
            input_tokens: input,
            output_tokens: output,
            cache_read_tokens: read,
            cache_write_tokens: write,
            model: Some(model.into()),
        }
    }

    #[test]
    fn a_known_model_is_priced_by_the_longest_matching_name_and_others_are_not() {
        // A million of each at Sonnet 4.5's prices: 3 + 15 + 0.30 + 3.75 dollars.
        let sonnet = usage(
            "claude-sonnet-4-5-20250929",
            1_000_000,
            1_000_000,
            1_000_000,
            1_000_000,
        );
        assert_eq!(estimated_cost_micro_usd(&sonnet), Some(22_050_000));
        // gpt-5-mini is not priced as gpt-5.
        let mini = usage("gpt-5-mini", 1_000_000, 0, 0, 0);
        assert_eq!(estimated_cost_micro_usd(&mini), Some(250_000));
        assert_eq!(
            estimated_cost_micro_usd(&usage("claude-test", 10, 5, 0, 0)),
            None
        );
        let unnamed = TokenUsage {
            model: None,
            ..sonnet
        };
        assert_eq!(estimated_cost_micro_usd(&unnamed), None);
    }
}
