// generateName → name: the prefix (cut to 58 characters) plus 5 random characters, as
// apiserver's SimpleNameGenerator does. The alphabet has no vowels or look-alike characters, so
// generated names never spell words or read ambiguously.

const ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
const RANDOM_LENGTH = 5;
const MAX_NAME_LENGTH = 63;
export const MAX_GENERATED_PREFIX = MAX_NAME_LENGTH - RANDOM_LENGTH;

export function generateName(prefix: string, random: () => number): string {
  const base = prefix.length > MAX_GENERATED_PREFIX ? prefix.slice(0, MAX_GENERATED_PREFIX) : prefix;
  let suffix = "";
  for (let i = 0; i < RANDOM_LENGTH; i++) {
    suffix += ALPHABET[Math.min(ALPHABET.length - 1, Math.floor(random() * ALPHABET.length))];
  }
  return base + suffix;
}
