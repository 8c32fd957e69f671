package web

// HashOf is how secrets are stored, for tests that store one by hand.
var HashOf = hashOf
