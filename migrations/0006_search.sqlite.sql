-- Full-text search on SQLite: an FTS5 index of published articles (headline,
-- standfirst, body), folded for case and accents, kept by triggers so every
-- way an article changes keeps it fresh. search_docs maps articles to rows.

CREATE TABLE search_docs (
    doc INTEGER PRIMARY KEY,
    article_id UUID NOT NULL UNIQUE
);

CREATE VIRTUAL TABLE search_fts USING fts5(headline, standfirst, body, tokenize = 'unicode61 remove_diacritics 2');

CREATE TRIGGER articles_search_insert AFTER INSERT ON articles WHEN NEW.status = 'published'
BEGIN
    INSERT INTO search_docs (article_id) VALUES (NEW.id);
    INSERT INTO search_fts (rowid, headline, standfirst, body) VALUES (last_insert_rowid(), NEW.headline, NEW.standfirst, NEW.body);
END;

CREATE TRIGGER articles_search_update AFTER UPDATE OF status, headline, standfirst, body ON articles
BEGIN
    DELETE FROM search_fts WHERE rowid IN (SELECT doc FROM search_docs WHERE article_id = OLD.id);
    DELETE FROM search_docs WHERE article_id = OLD.id;
    INSERT INTO search_docs (article_id) SELECT NEW.id WHERE NEW.status = 'published';
    INSERT INTO search_fts (rowid, headline, standfirst, body)
        SELECT last_insert_rowid(), NEW.headline, NEW.standfirst, NEW.body WHERE NEW.status = 'published';
END;

CREATE TRIGGER articles_search_delete AFTER DELETE ON articles
BEGIN
    DELETE FROM search_fts WHERE rowid IN (SELECT doc FROM search_docs WHERE article_id = OLD.id);
    DELETE FROM search_docs WHERE article_id = OLD.id;
END;

INSERT INTO search_docs (article_id) SELECT id FROM articles WHERE status = 'published';

INSERT INTO search_fts (rowid, headline, standfirst, body)
    SELECT d.doc, a.headline, a.standfirst, a.body FROM search_docs d JOIN articles a ON a.id = d.article_id;
