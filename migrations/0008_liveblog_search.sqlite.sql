-- Search finds live blogs by their entries too: an article's indexed body is
-- its own body followed by its entries' titles and texts.

CREATE VIEW search_text (article_id, body) AS
    SELECT a.id, a.body || COALESCE((SELECT ' ' || group_concat(e.title || ' ' || e.body, ' ')
                                     FROM liveblog_entries e WHERE e.article_id = a.id), '')
    FROM articles a;

DROP TRIGGER articles_search_insert;

DROP TRIGGER articles_search_update;

CREATE TRIGGER articles_search_insert AFTER INSERT ON articles WHEN NEW.status = 'published'
BEGIN
    INSERT INTO search_docs (article_id) VALUES (NEW.id);
    INSERT INTO search_fts (rowid, headline, standfirst, body)
        VALUES (last_insert_rowid(), NEW.headline, NEW.standfirst, (SELECT body FROM search_text WHERE article_id = NEW.id));
END;

CREATE TRIGGER articles_search_update AFTER UPDATE OF status, headline, standfirst, body ON articles
BEGIN
    DELETE FROM search_fts WHERE rowid IN (SELECT doc FROM search_docs WHERE article_id = OLD.id);
    DELETE FROM search_docs WHERE article_id = OLD.id;
    INSERT INTO search_docs (article_id) SELECT NEW.id WHERE NEW.status = 'published';
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
