(define (problem blocksworld-p04)
  (:domain blocksworld)
  (:objects b1 b2 b3 b4 b5 - block)
  (:init
    (arm-empty)
    (on-table b1)
    (on b5 b1)
    (on b4 b5)
    (clear b4)
    (on-table b3)
    (clear b3)
    (on-table b2)
    (clear b2))
  (:goal
    (and
      (on b2 b5)
      (on b4 b3))))
