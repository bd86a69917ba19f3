-- A tenant's own 1688 account joins the channel connections (OAuth tokens, sealed like the other credentials and
-- replaced in place when refreshed).
ALTER TABLE channel_connections DROP CONSTRAINT channel_connections_channel_check;
ALTER TABLE channel_connections ADD CONSTRAINT channel_connections_channel_check CHECK (channel IN ('coupang_wing', 'naver_commerce', 'alibaba_1688'));
