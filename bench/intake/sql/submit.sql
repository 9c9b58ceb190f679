-- One POST /v1/cases as plain SQL, the baseline for bench.intake (run by pgbench with
-- -M prepared against a database migrated with the intake schema). The same statements the
-- service issues for a named submission: for half, the Idempotency-Key is claimed first in a
-- savepoint and its sealed answer stored at the end; then the case, the encrypted submitter,
-- the timeline entry and the case.submitted outbox row (~1.2 KB of JSON, like the service's).
-- What the service does beyond this is the cost of HTTP, validation, the ORM and the pool.
\set idem random(0, 1)
\set kind random(1, 3)
\set unit random(1001, 33210)
\set r1 random(1, 4611686018427387903)
\set r2 random(1, 4611686018427387903)
BEGIN;
\if :idem
SAVEPOINT sa_savepoint_1;
INSERT INTO idempotency_keys (key, request_hash, created_at)
  VALUES ('bench-' || :r1::text || '-' || :r2::text, encode(sha256(:r2::text::bytea), 'hex'), now());
RELEASE SAVEPOINT sa_savepoint_1;
\endif
INSERT INTO cases (id, tracking_code, access_token_hash, kind, title, description, category,
    location_unit_code, address, lat, lon, target, publish_consent, channel, submitted_at,
    status, unit_code, unit_name, status_at)
  VALUES (md5('c' || :r1::text || :r2::text)::uuid,
    upper(overlay(substr(md5('t' || :r1::text || :r2::text), 1, 15) placing '-' from 6 for 0)),
    encode(sha256(('a' || :r1::text || :r2::text)::bytea), 'hex'),
    (ARRAY['feedback', 'petition', 'complaint'])[:kind::int],
    'Khiếu nại quyết định bồi thường khi thu hồi đất tại Phường Hoàn Kiếm',
    'Tình trạng này đã kéo dài hơn 6 tuần nhưng chưa được cơ quan chức năng xử lý dứt điểm. Người dân trong thôn đã nhiều lần phản ánh qua tổ trưởng tổ dân phố và trưởng thôn. Gia đình tôi đã nộp đầy đủ hồ sơ theo hướng dẫn của bộ phận một cửa từ ngày 12/3/2026. Theo quyết định số 17/QĐ-UBND, mức bồi thường thấp hơn nhiều so với giá thị trường. Chúng tôi đề nghị Ủy ban nhân dân Phường Hoàn Kiếm xem xét, kiểm tra và trả lời bằng văn bản. Tôi gửi kèm ảnh chụp hiện trường và bản sao các giấy tờ liên quan để cơ quan tiện đối chiếu.',
    NULL, lpad(:unit::text, 5, '0'), 'Gần số 45 đường Lê Lợi', NULL, NULL, NULL, false, 'web',
    now(), 'submitted', NULL, NULL, now());
INSERT INTO submitters (case_id, ciphertext)
  VALUES (md5('c' || :r1::text || :r2::text)::uuid, convert_to(repeat('gAAAAABn', 46), 'UTF8'));
INSERT INTO case_timeline (event_id, case_id, at, status, step, note)
  VALUES (md5('e' || :r1::text || :r2::text)::uuid, md5('c' || :r1::text || :r2::text)::uuid,
    now(), 'submitted', 'received', NULL);
INSERT INTO outbox (event_id, event_type, topic, key, payload, created_at)
  VALUES (md5('e' || :r1::text || :r2::text)::uuid, 'case.submitted', 'tiepdan.case-events',
    md5('c' || :r1::text || :r2::text)::uuid::text,
    convert_to(json_build_object(
      'id', md5('e' || :r1::text || :r2::text)::uuid, 'type', 'case.submitted', 'version', 1,
      'source', 'intake', 'time', now(), 'case_id', md5('c' || :r1::text || :r2::text)::uuid,
      'data', json_build_object(
        'tracking_code', upper(overlay(substr(md5('t' || :r1::text || :r2::text), 1, 15) placing '-' from 6 for 0)),
        'kind', (ARRAY['feedback', 'petition', 'complaint'])[:kind::int],
        'title', 'Khiếu nại quyết định bồi thường khi thu hồi đất tại Phường Hoàn Kiếm',
        'description', 'Tình trạng này đã kéo dài hơn 6 tuần nhưng chưa được cơ quan chức năng xử lý dứt điểm. Người dân trong thôn đã nhiều lần phản ánh qua tổ trưởng tổ dân phố và trưởng thôn. Gia đình tôi đã nộp đầy đủ hồ sơ theo hướng dẫn của bộ phận một cửa từ ngày 12/3/2026. Theo quyết định số 17/QĐ-UBND, mức bồi thường thấp hơn nhiều so với giá thị trường. Chúng tôi đề nghị Ủy ban nhân dân Phường Hoàn Kiếm xem xét, kiểm tra và trả lời bằng văn bản. Tôi gửi kèm ảnh chụp hiện trường và bản sao các giấy tờ liên quan để cơ quan tiện đối chiếu.',
        'category', NULL, 'location', json_build_object('unit_code', lpad(:unit::text, 5, '0'),
          'address', 'Gần số 45 đường Lê Lợi', 'lat', NULL, 'lon', NULL),
        'target', NULL, 'channel', 'web', 'submitted_at', now(), 'anonymous', false,
        'publish_consent', false),
      'trace', NULL)::text, 'UTF8'),
    now());
\if :idem
UPDATE idempotency_keys SET status_code = 201,
    response = json_build_object('sealed', repeat('gAAAAABn', 56))
  WHERE key = 'bench-' || :r1::text || '-' || :r2::text;
\endif
COMMIT;
