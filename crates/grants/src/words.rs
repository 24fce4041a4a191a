//! A shell command split into words, or `None` when it is anything but a plain list of
//! words: the matching must never guess what a shell would do.

/// Characters that make a command more than plain words wherever they appear (also inside
/// quotes, to stay on the safe side): control operators, redirections, substitutions and
/// expansions, globs, history, comments, escapes and control characters.
const NOT_PLAIN: &[char] = &[
    ';', '&', '|', '<', '>', '`', '$', '(', ')', '{', '}', '*', '?', '[', ']', '~', '!', '#', '\\',
    '\n', '\r',
];

/// `git push 'origin' "main"` → `["git", "push", "origin", "main"]`. `None` for a command
/// with any character of `NOT_PLAIN` or any other control character, an unterminated
/// quote, or a leading variable assignment (`FOO=bar cmd`).
pub fn command_words(command: &str) -> Option<Vec<String>> {
    if command
        .chars()
        .any(|c| NOT_PLAIN.contains(&c) || (c.is_control() && c != ' ' && c != '\t'))
    {
        return None;
    }
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in command.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, ' ' | '\t') => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return None;
    }
    if in_word {
        words.push(word);
    }
    if words.first().is_some_and(|first| first.contains('=')) {
        return None;
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::command_words;

    #[test]
    fn plain_commands_split_like_a_shell() {
        assert_eq!(
            command_words("git  push 'a b' \"c\"d").unwrap(),
            ["git", "push", "a b", "cd"]
        );
        assert_eq!(command_words("").unwrap(), Vec::<String>::new());
        assert_eq!(command_words("ls ''").unwrap(), ["ls", ""]);
    }

    #[test]
    fn anything_else_is_not_split() {
        for command in ["a;b", "a 'b;c'", "a \"$x\"", "A=1 b", "a 'open", "a\u{7}b"] {
            assert_eq!(command_words(command), None, "{command:?}");
        }
    }
}
