-- More than 64 stories published in the same microsecond (an import of an
-- archive dated to the second, a batch of scheduled stories) ran out of
-- search slots and failed to save. A story now takes the next free number
-- after its publication time, looking up to a second later: its recency is
-- then off by at most microseconds. (The last number in that range is found
-- by a descending seek: MAX() over a range would read every number in it.)

DROP TRIGGER articles_search_insert;

DROP TRIGGER articles_search_update;

CREATE TRIGGER articles_search_insert AFTER INSERT ON articles WHEN NEW.status = 'published'
BEGIN
    INSERT INTO search_docs (doc, article_id)
        SELECT COALESCE((SELECT doc + 1 FROM search_docs
                         WHERE doc >= NEW.published_at * 64 AND doc < (NEW.published_at + 1000000) * 64
                         ORDER BY doc DESC LIMIT 1), NEW.published_at * 64), NEW.id;
    INSERT INTO search_fts (rowid, headline, standfirst, body)
        VALUES (last_insert_rowid(), NEW.headline, NEW.standfirst, (SELECT body FROM search_text WHERE article_id = NEW.id));
END;

CREATE TRIGGER articles_search_update AFTER UPDATE OF status, headline, standfirst, body, published_at ON articles
BEGIN
    DELETE FROM search_fts WHERE rowid IN (SELECT doc FROM search_docs WHERE article_id = OLD.id);
    DELETE FROM search_docs WHERE article_id = OLD.id;
    INSERT INTO search_docs (doc, article_id)
        SELECT next_doc, NEW.id FROM (
            SELECT COALESCE((SELECT doc + 1 FROM search_docs
                             WHERE doc >= NEW.published_at * 64 AND doc < (NEW.published_at + 1000000) * 64
                             ORDER BY doc DESC LIMIT 1), NEW.published_at * 64) AS next_doc)
        WHERE NEW.status = 'published';
    INSERT INTO search_fts (rowid, headline, standfirst, body)
        SELECT last_insert_rowid(), NEW.headline, NEW.standfirst, (SELECT body FROM search_text WHERE article_id = NEW.id)
        WHERE NEW.status = 'published';
END;
