package storage

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// PutSchool adds a school or renames it.
func (db *DB) PutSchool(ctx context.Context, s offsitebot.School) error {
	defer db.serial()()
	_, err := db.schools.ReplaceOne(ctx, bson.D{{Key: "_id", Value: s.URN}}, s, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("storage: put school: %w", err)
	}
	return nil
}

// School reads a school by URN.
func (db *DB) School(ctx context.Context, urn string) (*offsitebot.School, error) {
	var s offsitebot.School
	err := db.schools.FindOne(ctx, bson.D{{Key: "_id", Value: urn}}).Decode(&s)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, offsitebot.Errorf(offsitebot.ENotFound, "No school with URN %s; an admin can add it with: school add URN NAME", urn)
	} else if err != nil {
		return nil, fmt.Errorf("storage: read school: %w", err)
	}
	return &s, nil
}

// Schools lists every school by URN.
func (db *DB) Schools(ctx context.Context) ([]offsitebot.School, error) {
	out := []offsitebot.School{}
	if err := db.findAll(ctx, db.schools, bson.D{}, &out, byID()); err != nil {
		return nil, fmt.Errorf("storage: list schools: %w", err)
	}
	return out, nil
}

// Identity reads an identity by ID; an unknown one is an ENotFound.
func (db *DB) Identity(ctx context.Context, id string) (*offsitebot.Identity, error) {
	var i offsitebot.Identity
	err := db.identities.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&i)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, unknownIdentity(id)
	} else if err != nil {
		return nil, fmt.Errorf("storage: read identity: %w", err)
	}
	return &i, nil
}

// PutIdentity creates or updates an identity: role, name and URN are set,
// Created only on creation, and id.Cases are added to the linked cases (links
// are never removed here: use UnlinkCase). Unreachable is set on creation
// only; use SetUnreachable to change it.
func (db *DB) PutIdentity(ctx context.Context, id offsitebot.Identity) error {
	set := bson.D{{Key: "role", Value: id.Role}, {Key: "name", Value: id.Name}}
	onInsert := bson.D{{Key: "created", Value: id.Created}}
	update := bson.D{}
	if id.URN != "" {
		set = append(set, bson.E{Key: "urn", Value: id.URN})
	} else {
		update = append(update, bson.E{Key: "$unset", Value: bson.D{{Key: "urn", Value: ""}}})
	}
	if id.Unreachable {
		onInsert = append(onInsert, bson.E{Key: "unreachable", Value: true})
	}
	update = append(update, bson.E{Key: "$set", Value: set}, bson.E{Key: "$setOnInsert", Value: onInsert})
	if len(id.Cases) > 0 {
		update = append(update, bson.E{Key: "$addToSet", Value: bson.D{{Key: "cases", Value: bson.D{{Key: "$each", Value: id.Cases}}}}})
	}
	defer db.serial()()
	defer db.people.changed()
	_, err := db.identities.UpdateOne(ctx, bson.D{{Key: "_id", Value: id.ID}}, update, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("storage: put identity: %w", err)
	}
	return nil
}

// LinkCase lets an identity see a case (added once however often linked).
func (db *DB) LinkCase(ctx context.Context, identityID, ref string) error {
	return db.updateIdentity(ctx, "link case", identityID, bson.D{{Key: "$addToSet", Value: bson.D{{Key: "cases", Value: ref}}}})
}

// UnlinkCase removes a case from those an identity sees.
func (db *DB) UnlinkCase(ctx context.Context, identityID, ref string) error {
	return db.updateIdentity(ctx, "unlink case", identityID, bson.D{{Key: "$pull", Value: bson.D{{Key: "cases", Value: ref}}}})
}

// SetUnreachable records whether the person has blocked the bot.
func (db *DB) SetUnreachable(ctx context.Context, identityID string, v bool) error {
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "unreachable", Value: true}}}}
	if !v {
		update = bson.D{{Key: "$unset", Value: bson.D{{Key: "unreachable", Value: ""}}}}
	}
	return db.updateIdentity(ctx, "set unreachable", identityID, update)
}

// SetAbout records the case an identity's messages are about, until the
// time given: in the database, so every replica, and the next start, know it.
func (db *DB) SetAbout(ctx context.Context, identityID, ref string, until time.Time) error {
	return db.updateIdentity(ctx, "set about", identityID, bson.D{{Key: "$set", Value: bson.D{{Key: "about", Value: ref}, {Key: "about_until", Value: until}}}})
}

// updateIdentity applies update to an existing identity; an unknown one is
// an ENotFound.
func (db *DB) updateIdentity(ctx context.Context, op, id string, update bson.D) error {
	unlock := db.serial()
	res, err := db.identities.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update)
	db.people.changed()
	unlock()
	if err != nil {
		return fmt.Errorf("storage: %s: %w", op, err)
	}
	if res.MatchedCount == 0 {
		return unknownIdentity(id)
	}
	return nil
}

func unknownIdentity(id string) error {
	return offsitebot.Errorf(offsitebot.ENotFound, "I don't know %s yet.", id)
}

// Identities lists the identities matching f, sorted by ID.
func (db *DB) Identities(ctx context.Context, f offsitebot.IdentityFilter) ([]offsitebot.Identity, error) {
	if db.people != nil {
		out, err := db.people.list(ctx, db, f)
		if err != nil {
			return nil, fmt.Errorf("storage: list identities: %w", err)
		}
		return out, nil
	}
	filter := bson.D{}
	if f.Role != "" {
		filter = append(filter, bson.E{Key: "role", Value: f.Role})
	}
	if f.URN != "" {
		filter = append(filter, bson.E{Key: "urn", Value: f.URN})
	}
	if f.Case != "" {
		filter = append(filter, bson.E{Key: "cases", Value: f.Case})
	}
	id := bson.D{} // one condition on _id holding both
	if f.Prefix != "" {
		id = append(id, bson.E{Key: "$regex", Value: "^" + regexp.QuoteMeta(f.Prefix)})
	}
	if f.IDs != nil {
		id = append(id, bson.E{Key: "$in", Value: f.IDs})
	}
	if len(id) > 0 {
		filter = append(filter, bson.E{Key: "_id", Value: id})
	}
	out := []offsitebot.Identity{}
	if err := db.findAll(ctx, db.identities, filter, &out, byID()); err != nil {
		return nil, fmt.Errorf("storage: list identities: %w", err)
	}
	return out, nil
}

// findAll decodes every document matching filter into out.
func (db *DB) findAll(ctx context.Context, coll *mongo.Collection, filter bson.D, out any, opts ...options.Lister[options.FindOptions]) error {
	cur, err := coll.Find(ctx, filter, opts...)
	if err != nil {
		return err
	}
	return cur.All(ctx, out)
}

// byID sorts by _id.
func byID() *options.FindOptionsBuilder {
	return options.Find().SetSort(bson.D{{Key: "_id", Value: 1}})
}
