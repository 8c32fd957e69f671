package storage_test

import (
	"context"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/storagetest"
	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestDbgSpeed(t *testing.T) {
	ctx := context.Background()
	db := storagetest.New(t)
	const n = 1000
	docs := make([]any, n)
	for i := range docs {
		docs[i] = benchCase(i)
	}
	if _, err := db.Database().Collection("cases").InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	tm := func(name string, f func() error) {
		st := time.Now()
		if err := f(); err != nil {
			t.Fatal(err)
		}
		t.Log(name, time.Since(st))
	}
	var c *offsitebot.Case
	for range 3 {
		tm("case first", func() (err error) { c, err = db.Case(ctx, "OSD-B00000"); return })
		tm("case last", func() (err error) { c, err = db.Case(ctx, "OSD-B00999"); return })
		tm("save", func() error { return db.SaveCase(ctx, c, auditEvent("x")) })
		tm("update by id only", func() error {
			_, err := db.Database().Collection("cases").UpdateOne(ctx, bson.D{{Key: "_id", Value: "OSD-B00999"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "x", Value: 1}}}})
			return err
		})
		tm("count by id", func() error {
			_, err := db.Database().Collection("cases").CountDocuments(ctx, bson.D{{Key: "_id", Value: "OSD-B00999"}})
			return err
		})
		tm("cases active", func() error { _, err := db.Cases(ctx, storage.CaseFilter{Status: offsitebot.Active}); return err })
	}
}
