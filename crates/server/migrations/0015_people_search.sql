-- The people search (GET /api/conversations/search) read every user's names (LIKE '%…%'): ~70 ms
-- at 300,000 people, on a reader, at each key typed. Names now have a full-text index of their
-- own, as messages do (CJK characters written apart by the server), with the starts of words of
-- up to three characters indexed too, so that a word being typed is found by its start
-- without merging every word it starts. A search reads at most a few hundred entries.
CREATE VIRTUAL TABLE user_search USING fts5(names, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
-- People from before: indexed once by the server at start-up (0: from the first; -1: done).
CREATE TABLE user_search_backfill (next_id INTEGER NOT NULL);
INSERT INTO user_search_backfill (next_id) VALUES (0);
