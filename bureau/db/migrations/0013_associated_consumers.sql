-- Associated consumers (Metro 2 J1/J2): a joint account reaches every consumer on it. Each
-- consumer's file holds its own tradeline row (subject-scoped like every row of the file, so
-- disputes, reports and obsolescence work per person unchanged); the rows of one account share
-- the furnisher's account_ref. consumer_role says whose row it is: the base segment's consumer,
-- or the associated consumer of a J1 (same address as the base) or J2 (own address) segment.
ALTER TABLE tradelines ADD COLUMN consumer_role text NOT NULL DEFAULT 'base'
    CHECK (consumer_role IN ('base', 'J1', 'J2'));
