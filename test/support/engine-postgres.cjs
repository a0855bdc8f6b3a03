process.env.HUB_TEST_ENGINE = 'postgres';
