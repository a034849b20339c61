-- People are found by name whatever the case and the accents ("helene" finds
-- "Hélène", "LEFEVRE" finds "Lefèvre"), on both backends: the name folded in Rust
-- (`cohesion_core::territory::fold`, both orders, given and usual name), written with
-- the person; the rows already there are filled by `Store::migrate` right after.
ALTER TABLE person ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
