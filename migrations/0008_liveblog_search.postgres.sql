-- Search finds live blogs by their entries too: an article's indexed body is
-- its own body followed by its entries' titles and texts.

CREATE FUNCTION broadsheet_article_text(article UUID, own_body text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT own_body || COALESCE((SELECT ' ' || string_agg(e.title || ' ' || e.body, ' ' ORDER BY e.posted_at)
                                 FROM liveblog_entries e WHERE e.article_id = article), '')
$$;

CREATE OR REPLACE FUNCTION broadsheet_index_article() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_docs WHERE article_id = NEW.id;
    IF NEW.status = 'published' THEN
        INSERT INTO search_docs (article_id, document)
        VALUES (NEW.id, broadsheet_search_document(NEW.headline, NEW.standfirst, broadsheet_article_text(NEW.id, NEW.body)));
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION broadsheet_index_entry() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target UUID;
BEGIN
    IF TG_OP = 'DELETE' THEN
        target := OLD.article_id;
    ELSE
        target := NEW.article_id;
    END IF;
    UPDATE search_docs d
        SET document = broadsheet_search_document(a.headline, a.standfirst, broadsheet_article_text(a.id, a.body))
        FROM articles a
        WHERE a.id = target AND d.article_id = target;
    RETURN NULL;
END
$$;

CREATE TRIGGER liveblog_entries_search AFTER INSERT OR UPDATE OF title, body OR DELETE ON liveblog_entries
    FOR EACH ROW EXECUTE FUNCTION broadsheet_index_entry();
