-- Search finds live blogs by their updates too: an article's indexed body is
-- its own body followed by its updates' titles and texts.
--
-- And the index is numbered by publication time: a document's rowid is its
-- published_at (microseconds) times 64 plus a slot for stories published in
-- the same microsecond. A query can then take its newest matches straight
-- from the index, in rowid order, without ranking every match first.

CREATE VIEW search_text (article_id, body) AS
    SELECT a.id, a.body || COALESCE((SELECT ' ' || group_concat(e.title || ' ' || e.body, ' ')
                                     FROM liveblog_entries e WHERE e.article_id = a.id), '')
    FROM articles a;

DROP TRIGGER articles_search_insert;

DROP TRIGGER articles_search_update;

CREATE TRIGGER articles_search_insert AFTER INSERT ON articles WHEN NEW.status = 'published'
BEGIN
    INSERT INTO search_docs (doc, article_id)
        SELECT COALESCE(MAX(doc) + 1, NEW.published_at * 64), NEW.id FROM search_docs
        WHERE doc >= NEW.published_at * 64 AND doc < NEW.published_at * 64 + 64;
    INSERT INTO search_fts (rowid, headline, standfirst, body)
        VALUES (last_insert_rowid(), NEW.headline, NEW.standfirst, (SELECT body FROM search_text WHERE article_id = NEW.id));
END;

CREATE TRIGGER articles_search_update AFTER UPDATE OF status, headline, standfirst, body, published_at ON articles
BEGIN
    DELETE FROM search_fts WHERE rowid IN (SELECT doc FROM search_docs WHERE article_id = OLD.id);
    DELETE FROM search_docs WHERE article_id = OLD.id;
    INSERT INTO search_docs (doc, article_id)
        SELECT next_doc, NEW.id FROM (
            SELECT COALESCE(MAX(doc) + 1, NEW.published_at * 64) AS next_doc FROM search_docs
            WHERE doc >= NEW.published_at * 64 AND doc < NEW.published_at * 64 + 64)
        WHERE NEW.status = 'published';
    INSERT INTO search_fts (rowid, headline, standfirst, body)
        SELECT last_insert_rowid(), NEW.headline, NEW.standfirst, (SELECT body FROM search_text WHERE article_id = NEW.id)
        WHERE NEW.status = 'published';
END;

CREATE TRIGGER liveblog_entries_search_insert AFTER INSERT ON liveblog_entries
BEGIN
    UPDATE search_fts SET body = (SELECT body FROM search_text WHERE article_id = NEW.article_id)
        WHERE rowid IN (SELECT doc FROM search_docs WHERE article_id = NEW.article_id);
END;

CREATE TRIGGER liveblog_entries_search_update AFTER UPDATE OF title, body ON liveblog_entries
BEGIN
    UPDATE search_fts SET body = (SELECT body FROM search_text WHERE article_id = NEW.article_id)
        WHERE rowid IN (SELECT doc FROM search_docs WHERE article_id = NEW.article_id);
END;

CREATE TRIGGER liveblog_entries_search_delete AFTER DELETE ON liveblog_entries
BEGIN
    UPDATE search_fts SET body = (SELECT body FROM search_text WHERE article_id = OLD.article_id)
        WHERE rowid IN (SELECT doc FROM search_docs WHERE article_id = OLD.article_id);
END;

-- Renumber what is already indexed.
DELETE FROM search_fts;

DELETE FROM search_docs;

INSERT INTO search_docs (doc, article_id)
    SELECT published_at * 64 + (ROW_NUMBER() OVER (PARTITION BY published_at ORDER BY id) - 1), id
    FROM articles WHERE status = 'published';

INSERT INTO search_fts (rowid, headline, standfirst, body)
    SELECT d.doc, a.headline, a.standfirst, t.body
    FROM search_docs d JOIN articles a ON a.id = d.article_id JOIN search_text t ON t.article_id = a.id;
